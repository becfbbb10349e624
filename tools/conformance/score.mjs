// Scores a run of http-cache-tests the way cache-tests.fyi does (lib/display.mjs).
//
//   node score.mjs SUITE_DIR RESULTS_JSON     prints the score; exit 0 even if tests fail
//
// A test without a `kind` is required. A required test counts as passed or failed only
// when the tests it depends on passed; otherwise it is a dependency failure (⚪️), a setup
// failure (🔹) and so on, as on the site. "Total passed" counts every kind: required and
// optimal tests that passed, and informational `check` tests answered "yes".
import fs from 'fs'
import path from 'path'
import { pathToFileURL } from 'url'

const [suiteDir, resultsFile] = process.argv.slice(2)
const load = async rel => (await import(pathToFileURL(path.join(suiteDir, rel)).href))
const suites = (await load('tests/index.mjs')).default
suites.push((await load('tests/surrogate-control.mjs')).default) // as cli.mjs does
const { determineTestResult } = await load('lib/display.mjs')
const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'))

const labels = {
  '✅': 'passed', '⛔️': 'failed', '⚠️': 'not optimal', Y: 'yes', N: 'no', '🔹': 'setup failed',
  '⁉️': 'harness failed', '⚪️': 'dependency failed', '↻': 'retried', '-': 'not run'
}
const counts = { required: {}, optimal: {}, check: {} }
const requiredFailures = []
const requiredOther = []
let run = 0
let passed = 0
for (const suite of suites) {
  for (const test of suite.tests) {
    if (test.browser_only === true) continue
    const kind = test.kind || 'required'
    const symbol = determineTestResult(suites, test.id, results)[2]
    counts[kind][symbol] = (counts[kind][symbol] || 0) + 1
    run++
    if (results[test.id] === true) passed++
    if (kind !== 'required' || symbol === '✅') continue
    const detail = Array.isArray(results[test.id]) ? results[test.id][1] : ''
    const line = { id: test.id, name: test.name.replace(/`/g, ''), symbol, detail }
    if (symbol === '⛔️') requiredFailures.push(line)
    else requiredOther.push(line)
  }
}

const summary = kind => {
  const total = Object.values(counts[kind]).reduce((a, b) => a + b, 0)
  const parts = Object.entries(counts[kind]).map(([s, n]) => `${n} ${labels[s] || s}`)
  return `${total} (${parts.join(', ')})`
}
const req = counts.required
console.log(`required: ${req['✅'] || 0} passed, ${req['⛔️'] || 0} failed, of ${summary('required')}`)
console.log(`optimal:  ${summary('optimal')}`)
console.log(`check:    ${summary('check')}`)
console.log(`total passed: ${passed} of ${run}`)
if (requiredFailures.length) {
  console.log('\nfailing required tests:')
  for (const f of requiredFailures) console.log(`  ${f.id}  ${f.name}\n      ${f.detail}`)
}
if (requiredOther.length) {
  console.log('\nrequired tests not scored (dependency, setup or harness failure):')
  for (const f of requiredOther) console.log(`  ${f.symbol} ${f.id}  ${f.name}`)
}
