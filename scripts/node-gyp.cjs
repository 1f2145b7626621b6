#!/usr/bin/env node
// node-gyp with the project's Node headers. scripts/dev-env.sh points npm's `node-gyp` setting here
// (npm_config_node_gyp) when it installed Node 24 into the cache: node-gyp would otherwise download
// headers from nodejs.org, and npm 11 warns about `npm_config_nodedir` ("Unknown env config"), so the
// headers' directory travels as TMBUS_NODE_HEADERS and becomes node-gyp's --nodedir here.
'use strict';
const { dirname, join } = require('node:path');

const headers = process.env.TMBUS_NODE_HEADERS;
if (headers && !process.argv.some((a) => a.startsWith('--nodedir'))) process.argv.push(`--nodedir=${headers}`);

// The node-gyp that ships with the npm running this install (npm_execpath is its npm-cli.js).
const npmRoot = process.env.npm_execpath ? dirname(dirname(process.env.npm_execpath)) : undefined;
let real;
try {
  real = require.resolve('node-gyp/bin/node-gyp.js', { paths: npmRoot ? [join(npmRoot, 'node_modules'), npmRoot] : [] });
} catch {
  real = require.resolve('node-gyp/bin/node-gyp.js');
}
require(real);
