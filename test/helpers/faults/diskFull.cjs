// Preloaded into the engine (NODE_OPTIONS=--require) to simulate a full disk: every file opened for
// writing whose path matches OPTIDEL_FAULT_PATH (a regular expression) fails with ENOSPC, as a
// write on a full file system does.
const fs = require('node:fs');
const pattern = new RegExp(process.env.OPTIDEL_FAULT_PATH);
const open = fs.promises.open;
fs.promises.open = async function (file, flags, ...rest) {
  if (typeof flags === 'string' && /[wa]/.test(flags) && pattern.test(String(file))) {
    const err = new Error(`ENOSPC: no space left on device, write '${file}'`);
    err.code = 'ENOSPC';
    throw err;
  }
  return open.call(this, file, flags, ...rest);
};
