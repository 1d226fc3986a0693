// Debian's Chromium, headless, as the viewer's tests and benchmark start it: no sandbox
// (they run as root in CI), no GPU, and none of the background connections that this
// machine's closed network refuses. CHROMIUM overrides the binary (default
// /usr/bin/chromium).
import { chromium } from 'playwright-core';

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
