// Holds ~120,000 small objects (~15 MB of heap) so that analysing its snapshot takes a
// moment: long enough for a test to stop a dashboard in the middle of it.
'use strict';
class Row {
  constructor(i) {
    this.i = i;
    this.name = `row-${i}`;
    this.tags = [i, i + 1];
  }
}
const rows = [];
for (let i = 0; i < 120_000; i++) rows.push(new Row(i));
setInterval(() => rows.length, 1000);
