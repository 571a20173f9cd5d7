// Hardening after issue 15: the intake slip's tracking link and QR code were built on the request's
// Host header, so a request with a forged Host (or a misconfigured proxy) printed a slip whose QR code
// sends the resident elsewhere. With PUBLIC_URL the link is always on it; production refuses to start
// without it. On the code before the fix (2026-12-06) the first test failed: the slip linked to
// http://evil.example/track.
import { expect } from 'chai';
import { loadConfig } from '../../server/config.ts';
import { qrDataUrl } from '../../server/pages/slip.ts';
import { intakeForm, signIn, startProduct, type PageClient, type Product } from '../support/pages.ts';

const PROD_SECRET = 'a-production-secret-of-at-least-32-chars!';

/** Registers a case through the intake page, the request carrying `host` as its Host header. */
async function slipUnder(client: PageClient, host: string) {
  await client.get('/intake');
  const body = new URLSearchParams({ ...intakeForm(), _csrf: client.csrf }).toString();
  const res = await client.agent.post('/intake').set('Host', host).type('form').send(body);
  expect(res.status, res.text.slice(0, 300)).to.equal(201);
  const html = res.text.replace(/&#x3D;/g, '=');
  const link = /href="([^"]+)" data-track-link/.exec(html)![1].replace(/&amp;/g, '&');
  const qr = /<img src="(data:image\/svg\+xml;base64,[^"]+)"[^>]*data-qr/.exec(html)![1];
  const caseNo = /data-case-no>([^<]+)</.exec(html)![1];
  return { link, qr, caseNo };
}

describe('security: the slip’s tracking link on PUBLIC_URL, never on a forged Host', function () {
  this.timeout(30_000);
  let product: Product | null = null;
  afterEach(async () => {
    await product?.close();
    product = null;
  });

  it('with PUBLIC_URL: the link and the QR code are on it whatever the Host header says', async () => {
    product = await startProduct({ env: { PUBLIC_URL: 'https://tiaojie.example.gov.cn/wuye/' } });
    const med = await signIn(product, 'med.c1');
    const { link, qr, caseNo } = await slipUnder(med, 'evil.example');
    const expected = `https://tiaojie.example.gov.cn/wuye/track?caseNo=${encodeURIComponent(caseNo)}`;
    expect(link).to.equal(expected);
    expect(qr).to.equal(await qrDataUrl(expected));
  });

  it('without PUBLIC_URL (development and tests only): the request’s own host, as before', async () => {
    product = await startProduct();
    const med = await signIn(product, 'med.c1');
    const { link, caseNo } = await slipUnder(med, 'localhost:3000');
    expect(link).to.equal(`http://localhost:3000/track?caseNo=${encodeURIComponent(caseNo)}`);
  });

  it('production refuses to start without PUBLIC_URL; the value is checked and kept without its trailing slash', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', APP_SECRET: PROD_SECRET })).to.throw(/^PUBLIC_URL must be set when NODE_ENV=production/);
    expect(loadConfig({ NODE_ENV: 'production', APP_SECRET: PROD_SECRET, PUBLIC_URL: 'https://tiaojie.example.gov.cn/' }).publicUrl).to.equal(
      'https://tiaojie.example.gov.cn',
    );
    for (const bad of ['ftp://example.org', 'https://example.org/?x=1', 'https://example.org/#a', 'example.org']) {
      expect(() => loadConfig({ PUBLIC_URL: bad }), bad).to.throw(/^PUBLIC_URL must be an http\(s\) URL/);
    }
    expect(loadConfig({}).publicUrl).to.equal(null);
  });
});
