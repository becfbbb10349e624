// The suite's origin (http-cache-tests/server/server.mjs), held to loopback.
//
//   node origin.mjs SUITE_DIR PIDFILE      prints "Listening on http://127.0.0.1:PORT/"
//
// The suite's server calls listen(port) with no host, which binds every interface; this
// wrapper pins the host to 127.0.0.1 and asks for port 0 (a free port) before loading it.
import http from 'http'
import path from 'path'
import { pathToFileURL } from 'url'

const [suiteDir, pidfile] = process.argv.slice(2)
if (!suiteDir || !pidfile) {
  console.error('usage: node origin.mjs SUITE_DIR PIDFILE')
  process.exit(2)
}

const listen = http.Server.prototype.listen
http.Server.prototype.listen = function (port, ...rest) {
  return listen.call(this, port, '127.0.0.1', ...rest)
}
process.env.npm_config_protocol = 'http'
process.env.npm_config_port = '0'
process.env.npm_config_pidfile = pidfile

await import(pathToFileURL(path.join(suiteDir, 'server', 'server.mjs')).href)
