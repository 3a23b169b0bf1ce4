#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the project needs no build step.
'use strict';

require('tsx/cjs');

require('../client/cli/main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
