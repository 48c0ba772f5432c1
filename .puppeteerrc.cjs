// memlab (the bench's peer) depends on puppeteer; heapscope never drives it, and this machine's
// network has no browser downloads. Browser tests use Debian's chromium via playwright-core.
module.exports = { skipDownload: true };
