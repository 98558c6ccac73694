// Runs the official Node SDK (npm alipay-sdk) against alipay-mock over TLS
// with the SDK's own production gateway: no gateway or endpoint is
// configured, so it calls https://openapi.alipay.com/gateway.do and
// https://openapi.alipay.com/v3/…, as an unmodified app does.
//
// What stands in for DNS and the trust store:
//   - NODE_EXTRA_CA_CERTS names the mock's CA (`alipay-mock ca --out`), read
//     by Node at start-up, as in an app's container;
//   - the SDK's proxyAgent option (an urllib Agent) connects with a
//     `lookup` that resolves Alipay's names to 127.0.0.1 (what /etc/hosts or
//     Docker's extra_hosts do) and sends port 443 to TLS_PORT, the test
//     mock's port-0 listener. TLS verification, SNI and Host stay Node's.
//
// Driven by sdktest/node_tls_test.go, which sets APP_ID, APP_PRIVATE_KEY,
// ALIPAY_PUBLIC_KEY, TLS_PORT and EXPECT (trusted, or untrusted for a run
// without NODE_EXTRA_CA_CERTS). Output: one JSON line per flow, as flow.js.
'use strict';

const tls = require('node:tls');
const urllib = require('urllib');
const { AlipaySdk } = require('alipay-sdk');

const env = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`tls.js: environment variable ${name} is required`);
    process.exit(2);
  }
  return v;
};

const TLS_PORT = Number(env('TLS_PORT'));
const EXPECT = env('EXPECT');
const ALIPAY_NAMES = new Set(JSON.parse(env('ALIPAY_HOSTS')));
const PRODUCTION = 'https://openapi.alipay.com/gateway.do';

class FlowError extends Error {}

const resolved = [];

// lookup is dns.lookup for Alipay's names only: 127.0.0.1.
function lookup(hostname, options, callback) {
  if (!ALIPAY_NAMES.has(hostname)) {
    callback(Object.assign(new Error(`tls.js resolves only Alipay's names, not ${hostname}`), { code: 'ENOTFOUND' }));
    return;
  }
  resolved.push(hostname);
  if (options && options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
}

// connect is undici's connector: TLS to the name the URL gives, through
// lookup, on the test's port instead of 443. Certificates are checked by
// Node against its store plus NODE_EXTRA_CA_CERTS.
function connect(opts, callback) {
  const port = Number(opts.port) || 443;
  if (opts.protocol !== 'https:' || port !== 443) {
    callback(new Error(`tls.js: unexpected ${opts.protocol}//${opts.hostname}:${port}`), null);
    return;
  }
  let done = false;
  const socket = tls.connect({
    host: opts.hostname, port: TLS_PORT, servername: opts.servername || opts.hostname, lookup, ALPNProtocols: ['http/1.1'],
  });
  socket.setNoDelay(true);
  socket.once('secureConnect', () => { if (!done) { done = true; callback(null, socket); } });
  socket.once('error', (err) => { if (!done) { done = true; callback(err, null); } });
}

const agent = new urllib.Agent({ connect });

function sdk() {
  return new AlipaySdk({
    appId: env('APP_ID'),
    privateKey: env('APP_PRIVATE_KEY'),
    alipayPublicKey: env('ALIPAY_PUBLIC_KEY'),
    proxyAgent: agent,
    timeout: 10000,
  });
}

function eq(step, field, got, want) {
  if (got !== want) throw new FlowError(`${step}: ${field} = ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

async function exec(client, step, method, bizContent) {
  let r;
  try {
    r = await client.exec(method, { bizContent }, { validateSign: true });
  } catch (err) {
    throw new FlowError(`${step}: SDK threw ${err && err.name}: ${err && err.message}`);
  }
  if (r.code !== '10000') throw new FlowError(`${step}: ${JSON.stringify(r)}`);
  return r;
}

// The buyer on https://qr.alipay.com/bax0…: the mock's QR page.
async function onQRPage(qrCode, action, want) {
  const res = await urllib.request(qrCode, {
    method: 'POST', data: { action }, dispatcher: agent, dataType: 'text', timeout: 10000,
  });
  if (res.status !== 200 || !res.data.includes(want)) {
    throw new FlowError(`POST ${qrCode} action=${action}: HTTP ${res.status} ${String(res.data).slice(0, 300)}`);
  }
}

const run = `T${Date.now()}`;

const trusted = {
  async production_gateway_over_tls() {
    const c = sdk();
    eq('config', 'gateway', c.config.gateway, PRODUCTION);
    const no = `${run}QR`;
    let r = await exec(c, 'precreate', 'alipay.trade.precreate', { out_trade_no: no, total_amount: '9.90', subject: 'node over TLS' });
    if (!/^https:\/\/qr\.alipay\.com\/bax0[a-z2-7]+$/.test(r.qrCode)) {
      throw new FlowError(`precreate: qr_code ${r.qrCode}, want https://qr.alipay.com/bax0…`);
    }
    await onQRPage(r.qrCode, 'scan', '已扫码');
    await onQRPage(r.qrCode, 'pay', '支付成功');
    r = await exec(c, 'query', 'alipay.trade.query', { out_trade_no: no });
    eq('query', 'trade_status', r.tradeStatus, 'TRADE_SUCCESS');
    eq('query', 'total_amount', r.totalAmount, '9.90');
    // v3 on https://openapi.alipay.com/v3/…, its signature verified.
    const v3 = await c.curl('POST', '/v3/alipay/trade/query', { body: { out_trade_no: no } });
    eq('v3 query', 'HTTP status', v3.responseHttpStatus, 200);
    eq('v3 query', 'trade_status', v3.data.trade_status, 'TRADE_SUCCESS');
    if (!resolved.includes('openapi.alipay.com') || !resolved.includes('qr.alipay.com')) {
      throw new FlowError(`the lookup was not used for both names: ${JSON.stringify(resolved)}`);
    }
  },
};

const untrusted = {
  // Without NODE_EXTRA_CA_CERTS Node refuses the mock's certificate.
  async untrusted_ca_is_refused() {
    try {
      const r = await sdk().exec('alipay.trade.query', { bizContent: { out_trade_no: `${run}X` } });
      throw new FlowError(`without NODE_EXTRA_CA_CERTS the call went through: ${JSON.stringify(r)}`);
    } catch (err) {
      if (err instanceof FlowError) throw err;
      const chain = [];
      for (let e = err; e; e = e.cause) chain.push(`${e.code || ''} ${e.message}`);
      if (!/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify|self[- ]signed|certificate/i.test(chain.join(' | '))) {
        throw new FlowError(`failed, but not on the certificate: ${chain.join(' | ')}`);
      }
      return `refused: ${chain.join(' | ').slice(0, 160)}`;
    }
  },
};

(async () => {
  let failed = 0;
  const flows = EXPECT === 'untrusted' ? untrusted : trusted;
  for (const [name, fn] of Object.entries(flows)) {
    try {
      const note = await fn();
      console.log(JSON.stringify({ flow: name, ok: true, note }));
    } catch (err) {
      failed++;
      const error = err instanceof FlowError ? err.message : `unexpected ${err && err.stack}`;
      console.log(JSON.stringify({ flow: name, ok: false, error }));
    }
  }
  process.exit(failed ? 1 : 0);
})();
