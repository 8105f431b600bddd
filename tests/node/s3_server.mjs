// s3_server.mjs - a local S3-compatible server for tests/cli_lake.sh and
// bench/bench_lake.sh: s3rver (npm, objects kept in a folder) behind a strict
// AWS Signature V4 check. s3rver itself only checks that the access key exists
// (it does not verify V4 signatures), so this wrapper recomputes every
// request's signature from the AWS SigV4 rules (canonical request, string to
// sign, HMAC chain) with the secret of the access key and answers 403
// SignatureDoesNotMatch / InvalidAccessKeyId with an S3 XML error document on
// a mismatch; it also requires x-amz-content-sha256 as S3 does. The checker is
// verified at start against the worked example of the S3 SigV4 documentation.
// Each request is logged as "METHOD URL STATUS" to --log (the tests count them).
// Usage: node s3_server.mjs --dir DIR --port-file FILE [--log FILE]
//          [--access KEY --secret SECRET] [--region us-east-1]
// Listens on 127.0.0.1, on a free port written to --port-file; stops on SIGTERM.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import S3rver from 's3rver';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
if (!args.dir || !args['port-file']) {
  console.error('usage: node s3_server.mjs --dir DIR --port-file FILE [--log FILE] [--access KEY --secret SECRET] [--region R]');
  process.exit(2);
}
// s3rver's built-in account is S3RVER/S3RVER; other keys are registered in its account registry too.
const access = args.access ?? 'S3RVER';
const secrets = new Map([[access, args.secret ?? 'S3RVER']]);
const region = args.region ?? 'us-east-1';

const sha256 = (s) => createHash('sha256').update(s).digest('hex');
const hmac = (k, s) => createHmac('sha256', k).update(s).digest();
const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const dec = (s) => { try { return decodeURIComponent(s); } catch { return null; } };

// The signature a client must have sent, or an error [status, code, message].
function expectedSignature(method, rawUrl, headers, secretOf, wantRegion) {
  const auth = headers.authorization;
  if (!auth) return { error: [403, 'AccessDenied', 'Anonymous requests are not accepted: sign with AWS SigV4'] };
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { error: [400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed'] };
  const [, key, date, reg, service, signedHeaders, signature] = m;
  const secret = secretOf(key);
  if (secret === undefined)
    return { error: [403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'] };
  if (wantRegion && reg !== wantRegion)
    return { error: [400, 'AuthorizationHeaderMalformed', `the region '${reg}' is wrong; expecting '${wantRegion}'`] };
  const amzDate = headers['x-amz-date'];
  if (!amzDate || !amzDate.startsWith(date)) return { error: [403, 'AccessDenied', 'x-amz-date is missing or does not match the credential date'] };
  const payload = headers['x-amz-content-sha256'];
  if (!payload) return { error: [400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256'] };
  const names = signedHeaders.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date') || !names.includes('x-amz-content-sha256'))
    return { error: [403, 'AccessDenied', 'SignedHeaders must include host, x-amz-date and x-amz-content-sha256'] };
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = q < 0 ? '' : rawUrl.slice(q + 1);
  const segments = path.split('/').map(dec);
  if (segments.includes(null)) return { error: [400, 'InvalidURI', 'Could not parse the specified URI'] };
  const canonicalUri = segments.map(enc).join('/');
  const pairs = query === '' ? [] : query.split('&').map((kv) => {
    const i = kv.indexOf('=');
    return [dec(i < 0 ? kv : kv.slice(0, i)) ?? '', dec(i < 0 ? '' : kv.slice(i + 1)) ?? ''].map(enc);
  });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const canonicalQuery = pairs.map(([k, v]) => `${k}=${v}`).join('&');
  const canonicalHeaders = names.map((h) => `${h}:${String(headers[h] ?? '').trim().replace(/ +/g, ' ')}\n`).join('');
  const canonical = [method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders, payload].join('\n');
  const scope = `${date}/${reg}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const kSigning = hmac(hmac(hmac(hmac('AWS4' + secret, date), reg), service), 'aws4_request');
  return { expected: hmac(kSigning, toSign).toString('hex'), signature, canonical };
}

// The worked example "GET Object" of the S3 SigV4 documentation (header-based auth).
{
  const r = expectedSignature('GET', '/test.txt', {
    authorization: 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,' +
      'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,' +
      'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    host: 'examplebucket.s3.amazonaws.com', range: 'bytes=0-9',
    'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'x-amz-date': '20130524T000000Z',
  }, () => 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'us-east-1');
  if (r.expected !== r.signature) {
    console.error(`s3_server: SigV4 self-test failed: computed ${r.expected}`);
    process.exit(1);
  }
}

const xmlEscape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const log = (line) => { if (args.log) appendFileSync(args.log, line + '\n'); };

const s3 = new S3rver({ silent: true, directory: args.dir, vhostBuckets: false });
if (access !== 'S3RVER') {
  const { default: AWSAccount } = await import('s3rver/lib/models/account.js');
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(access, secrets.get(access));
}
const handler = s3.callback();
const server = http.createServer((req, res) => {
  const r = expectedSignature(req.method, req.url, req.headers, (k) => secrets.get(k), region);
  let error = r.error;
  if (!error) {
    const a = Buffer.from(r.expected), b = Buffer.from(r.signature);
    if (a.length !== b.length || !timingSafeEqual(a, b))
      error = [403, 'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.'];
  }
  if (error) {
    const [status, code, message] = error;
    log(`${req.method} ${req.url} ${status} ${code}`);
    res.writeHead(status, { 'Content-Type': 'application/xml', Connection: 'close' });
    res.end(req.method === 'HEAD' ? undefined :
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`);
    req.resume();
    return;
  }
  res.on('finish', () => log(`${req.method} ${req.url} ${res.statusCode}`));
  handler(req, res);
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  writeFileSync(args['port-file'], `${port}\n`);
  console.log(`s3_server: listening on 127.0.0.1:${port}, objects in ${args.dir}`);
});
const stop = () => { server.closeAllConnections(); server.close(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// never outlive the test that started us by much
setTimeout(() => process.exit(0), Number(args['max-seconds'] ?? 1800) * 1000).unref();
