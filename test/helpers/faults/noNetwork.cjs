// Preloaded into the engine (NODE_OPTIONS=--require) to prove it never touches the network: any
// socket connection or DNS lookup is recorded in OPTIDEL_NETWORK_LOG and refused.
const fs = require('node:fs');
const net = require('node:net');
const dns = require('node:dns');
const log = process.env.OPTIDEL_NETWORK_LOG;
function refuse(what) {
  fs.appendFileSync(log, `${what}\n`);
  throw new Error(`network access refused in tests: ${what}`);
}
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const target = args[0];
  // Local IPC sockets (the channel to the host) are not network access.
  if (typeof target === 'object' && target && target.path) return connect.apply(this, args);
  if (typeof target === 'string' && !/^\d+$/.test(target)) return connect.apply(this, args);
  return refuse(`connect ${JSON.stringify(target)}`);
};
dns.lookup = (host) => refuse(`dns.lookup ${host}`);
dns.promises.lookup = async (host) => refuse(`dns.promises.lookup ${host}`);
globalThis.fetch = async (url) => refuse(`fetch ${url}`);
