// Preloaded into the engine (NODE_OPTIONS=--require) to hold a stage at a known point, so a test can
// act while the stage is certainly running: the first file opened for writing whose path matches
// OPTIDEL_HOLD_PATH (a regular expression) waits, after creating OPTIDEL_HOLD_DIR/reached-<pid>,
// until OPTIDEL_HOLD_DIR/release exists. The process stays responsive meanwhile (the wait is async).
const fs = require('node:fs');
const path = require('node:path');
const pattern = new RegExp(process.env.OPTIDEL_HOLD_PATH);
const dir = process.env.OPTIDEL_HOLD_DIR;
const open = fs.promises.open;
let held = false;
fs.promises.open = async function (file, flags, ...rest) {
  if (!held && typeof flags === 'string' && /[wa]/.test(flags) && pattern.test(String(file))) {
    held = true;
    fs.writeFileSync(path.join(dir, `reached-${process.pid}`), '');
    while (!fs.existsSync(path.join(dir, 'release'))) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return open.call(this, file, flags, ...rest);
};
