// #/ : the home page. Opens the most recent live process, if any.
import { go, page } from '../router.js';
import { processes } from '../state.js';

page('', () => {
  const live = [...processes.values()].filter((p) => p.live).sort((a, b) => b.lastSeen - a.lastSeen)[0];
  if (live) go(`#/p/${live.id}`);
});
