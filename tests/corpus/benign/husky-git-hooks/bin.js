#!/usr/bin/env node
const msg = require('./index.js')();
if (msg) console.log(msg);
