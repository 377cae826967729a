#!/usr/bin/env node
require('../src/index.js')(process.argv.slice(2));
