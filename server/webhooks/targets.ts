// Webhook targets that cannot reach inside (SSRF, hardening after issue 15): an administrator's
// subscription URL is refused when it names, or resolves to, a loopback, private, link-local,
// carrier-grade NAT, multicast or otherwise reserved address — the service's own host, the cloud
// metadata endpoint (169.254.169.254), the office network — unless WEBHOOK_ALLOW_PRIVATE=true (a
// receiver on the same host or network, and the tests' loopback receiver).
//
// Checked twice: when a subscription is made or changed (422 WEBHOOK_TARGET_NOT_ALLOWED), and at
// every delivery, because a name's DNS answer may change after the check ("DNS rebinding"). At
// delivery the check is in the socket's own look-up (deliveryLookup, node:http's `lookup` option), so
// the address checked is the address connected to; an address written as the URL's host (no look-up)
// is checked before the request. The address ranges are matched by node:net's BlockList, which also
// sees IPv4 inside IPv4-mapped IPv6 addresses (::ffff:127.0.0.1).
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { lookup as dnsLookupAll } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { DomainError } from '../engine/errors.ts';

/** Ranges no webhook may reach (IANA special-purpose registries, RFC 6890 and successors). */
const BLOCKED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata endpoints)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  BLOCKED.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64: an IPv4 address behind it may be private
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED.addSubnet(net, bits, 'ipv6');
}

/** Whether an address is one a webhook may not reach (not an IP address at all counts as one). */
export function isPrivateAddress(address: string): boolean {
  const v = isIP(address);
  if (v === 0) return true;
  return BLOCKED.check(address, v === 4 ? 'ipv4' : 'ipv6');
}

/** 422 WEBHOOK_TARGET_NOT_ALLOWED (errors.ts STATUS_BY_CODE), in the API's error shape. */
export class TargetNotAllowed extends DomainError {
  constructor(host: string, address: string) {
    super(
      'WEBHOOK_TARGET_NOT_ALLOWED',
      `the webhook URL's host ${host} is (or resolves to) ${address}, a loopback, private, link-local or reserved address: not allowed unless WEBHOOK_ALLOW_PRIVATE=true`,
      [{ field: 'url', message: `${host} → ${address}: not a public address` }],
    );
  }
}

/** The URL's host without IPv6 brackets. */
const hostOf = (url: string): string => new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');

export interface TargetPolicy {
  /** WEBHOOK_ALLOW_PRIVATE: every address allowed */
  allowPrivate: boolean;
  /** name → addresses (tests); node:dns lookup by default */
  resolve?: (host: string) => Promise<string[]>;
}

const systemResolve = async (host: string): Promise<string[]> => (await dnsLookupAll(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * At subscription time: throws TargetNotAllowed when the URL's host is, or now resolves to, an
 * address a webhook may not reach. A name that does not resolve now is accepted: nothing can be sent
 * to it, and every delivery checks again.
 */
export async function checkWebhookTarget(url: string, policy: TargetPolicy): Promise<void> {
  if (policy.allowPrivate) return;
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await (policy.resolve ?? systemResolve)(host);
    } catch {
      return;
    }
  }
  const bad = addresses.find(isPrivateAddress);
  if (bad !== undefined) throw new TargetNotAllowed(host, bad);
}

/** At delivery, before the request: an address written as the host (connected to without a look-up). */
export function checkLiteralTarget(url: string, policy: TargetPolicy): void {
  if (policy.allowPrivate) return;
  const host = hostOf(url);
  if (isIP(host) && isPrivateAddress(host)) throw new TargetNotAllowed(host, host);
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * node:http's `lookup` option for deliveries: resolves as usual, and fails the connection when any
 * address is one a webhook may not reach — checked on the very answer the socket then connects to.
 */
export function deliveryLookup(policy: TargetPolicy) {
  return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses;
      const bad = policy.allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address));
      if (bad) return callback(new TargetNotAllowed(hostname, bad.address) as unknown as NodeJS.ErrnoException, []);
      if ((options as LookupAllOptions).all) return callback(null, list);
      if (list.length === 0) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      callback(null, list[0].address, list[0].family);
    });
  };
}
