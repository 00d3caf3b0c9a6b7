#!/usr/bin/env node
// The command-line face of the engine; `npm run build` makes dist/engine/main.js.
require('../dist/engine/main.js');
