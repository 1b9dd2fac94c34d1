// Prints the X-Twilio-Signature of each case with Twilio's own helper
// library, as recorded in tests/test_twilio.c (test_signature). Not run by
// make check (it needs npm): mkdir /tmp/tw && cd /tmp/tw &&
// npm install twilio@5.13.1 && node /path/to/signatures.js
const twilio = require('twilio');
const token = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const cases = [
 ['https://varsel.nykvarn.se/hooks/tw/status', {MessageSid:'SM0123456789abcdef0123456789abcdef', MessageStatus:'delivered', AccountSid:'AC0123456789abcdef0123456789abcdef'}],
 ['https://varsel.nykvarn.se/hooks/tw/sms?d=42&x=a%20b', {Body:'TRYGG 155 31 – åäö ÅÄÖ é', From:'+46701740605', To:'+46766861000', MessageSid:'SM1'}],
 ['https://varsel.nykvarn.se:8443/hooks/tw/voice?d=7', {CallSid:'CA1', CallStatus:'completed', Digits:'1'}],
 ['https://varsel.nykvarn.se/hooks/tw/sms', {Body:'', From:'+46701740606', Empty:'', 'Key With Space':'v=1&w=2'}],
 ['https://varsel.nykvarn.se/hooks/tw/sms', {Body:'Hej 👋 \u0627\u0644\u0633\u0644\u0627\u0645', From:'+46701740607'}],
 ['http://127.0.0.1:8025/hooks/tw/status?s=abc', {}],
];
for (const [url, params] of cases) {
  const sig = twilio.getExpectedTwilioSignature(token, url, params);
  const ok = twilio.validateRequest(token, sig, url, params);
  console.log(JSON.stringify({url, params, sig, ok}));
}
console.log(require('twilio/package.json').version);
console.log('---');
