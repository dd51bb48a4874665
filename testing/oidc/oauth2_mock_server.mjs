// Runs oauth2-mock-server (npm) on 127.0.0.1 as an interoperability peer for
// Postern's OIDC relying party: every sign-in is approved at once for one
// configured user, whose email, name and groups go into the id_token and the
// userinfo answer. Test/demo use only. Start it with start_oauth2_mock_server.sh,
// which installs the package and passes --package-dir:
//
//   node oauth2_mock_server.mjs --package-dir DIR --port 0 --user-email bob@example.com
//   oauth2-mock-server listening on http://127.0.0.1:40123      (stderr, once ready)

import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    'package-dir': { type: 'string' },
    port: { type: 'string', default: '0' },
    'issuer-host': { type: 'string', default: '127.0.0.1' },
    alg: { type: 'string', default: 'RS256' },
    'user-sub': { type: 'string', default: 'user-alice' },
    'user-email': { type: 'string', default: 'alice@example.com' },
    'user-name': { type: 'string', default: 'Alice Example' },
    'user-groups': { type: 'string', default: 'admins,developers' },
    'groups-claim': { type: 'string', default: 'groups' },
  },
});

function fail(message) {
  console.error(`oauth2-mock-server: ${message}`);
  process.exit(2);
}

if (!opts['package-dir']) fail('--package-dir (the npm install prefix) is required');
if (!['RS256', 'ES256'].includes(opts.alg)) fail(`--alg must be RS256 or ES256, got ${opts.alg}`);
const port = Number(opts.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port: bad port ${opts.port}`);

// The package is ESM-only and lives outside this file's tree, so resolve it
// from the install prefix and import it by file URL.
const requireFromPrefix = createRequire(path.join(opts['package-dir'], 'package.json'));
const { OAuth2Server } = await import(
  pathToFileURL(requireFromPrefix.resolve('oauth2-mock-server')).href);

const user = {
  sub: opts['user-sub'],
  email: opts['user-email'],
  email_verified: true,
  name: opts['user-name'],
  [opts['groups-claim']]: opts['user-groups'].split(',').filter((g) => g !== ''),
};

const server = new OAuth2Server();
await server.issuer.keys.generate(opts.alg);
// Runs for the access token and the id_token alike; both name the same user.
server.service.on('beforeTokenSigning', (token) => {
  Object.assign(token.payload, user);
});
server.service.on('beforeUserinfo', (userinfo) => {
  userinfo.body = { ...user };
});

try {
  await server.start(port, '127.0.0.1');
} catch (e) {
  console.error(`oauth2-mock-server: cannot listen on 127.0.0.1:${port}: ${e.message}`);
  process.exit(1);
}
const bound = server.address().port;
// The library names its issuer "localhost" for loopback listeners; the proxy
// is configured with the address it can reach, so say that instead.
server.issuer.url = `http://${opts['issuer-host']}:${bound}`;
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
console.error(`oauth2-mock-server listening on http://127.0.0.1:${bound}`);
