// kql_check.js - parses and analyzes KQL files with Microsoft's Kusto
// language service (npm @kusto/language-service-next, the parser and
// semantic analyzer behind Azure Data Explorer's editors) against table
// schemas, so that a query that misspells a column, a function or a
// table, or names a column the documented schema does not have, fails.
// A query must also produce exactly the columns of nsgproof's aggregate
// interchange format v1, in order.
//
// usage: node kql_check.js MODULE_DIR SCHEMA... -- KQL...
//   MODULE_DIR  where node_modules/@kusto/language-service-next is
//   SCHEMA      NAME.schema files ("Column:type" lines, '#' comments) or
//               .kql files whose `.create table NAME (col: type, ...)`
//               commands define tables
// Prints one line per problem and "N passed, M failed".
'use strict';
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const sep = args.indexOf('--');
if (args.length < 3 || sep < 1) {
    console.error('usage: node kql_check.js MODULE_DIR SCHEMA... -- KQL...');
    process.exit(2);
}
const moduleDir = path.resolve(args[0]);
const schemas = args.slice(1, sep);
const queries = args.slice(sep + 1);
const pkg = path.join(moduleDir, 'node_modules', '@kusto', 'language-service-next');
require(path.join(pkg, 'bridge.js'));
require(path.join(pkg, 'Kusto.Language.Bridge.js'));
const K = global.Kusto.Language;

const COLUMNS = ['nsg', 'mac', 'direction', 'protocol', 'src_ip', 'dst_ip',
    'dst_port', 'src_port_min', 'src_port_max', 'decision', 'rule', 'tuples',
    'flows', 'packets_src_dst', 'bytes_src_dst', 'packets_dst_src',
    'bytes_dst_src', 'first_seen_ms', 'last_seen_ms'];
const TEXT = new Set(['nsg', 'mac', 'direction', 'protocol', 'src_ip',
    'dst_ip', 'decision', 'rule']);

// Tables from the schema files.
const tables = [];
for (const file of schemas) {
    const text = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.schema')) {
        const cols = text.split('\n').map(l => l.trim())
            .filter(l => l && !l.startsWith('#'));
        const name = path.basename(file, '.schema');
        tables.push(new K.Symbols.TableSymbol.$ctor7(name, '(' + cols.join(', ') + ')', ''));
        continue;
    }
    const re = /^\.create\s+table\s+(\w+)\s*\(([^)]*)\)\s*$/gm;
    let m;
    while ((m = re.exec(text)) !== null)
        tables.push(new K.Symbols.TableSymbol.$ctor7(m[1], '(' + m[2] + ')', ''));
}
if (!tables.length) {
    console.log('kql_check: no table schema found');
    console.log('0 passed, 1 failed');
    process.exit(1);
}
const db = new K.Symbols.DatabaseSymbol.$ctor1('db', tables);
const globals = K.GlobalState.Default.WithDatabase(db);

let passed = 0, failed = 0;
function lineOf(text, at) {
    return text.slice(0, at).split('\n').length;
}
for (const file of queries) {
    const text = fs.readFileSync(file, 'utf8');
    const code = K.KustoCode.ParseAndAnalyze(text, globals);
    const problems = [];
    for (const d of Bridge.toArray(code.GetDiagnostics()))
        if (d.Severity === 'Error' || d.Severity === 'Warning')
            problems.push(`line ${lineOf(text, d.Start)}: ${d.Severity}: ${d.Message}`);
    const rt = code.ResultType;
    const cols = rt && rt.Columns ? Bridge.toArray(rt.Columns) : [];
    const names = cols.map(c => c.Name);
    if (names.join(',') !== COLUMNS.join(','))
        problems.push(`result columns ${names.join(',') || '(none)'} are not ${COLUMNS.join(',')}`);
    for (const c of cols) {
        const t = c.Type.Name;
        if (TEXT.has(c.Name) ? !['string', 'int', 'long'].includes(t)
                             : !['int', 'long'].includes(t))
            problems.push(`column ${c.Name} has type ${t}`);
    }
    if (problems.length) {
        failed++;
        for (const p of problems)
            console.log(`FAIL: ${path.basename(file)}: ${p}`);
    } else {
        passed++;
        console.log(`ok: ${path.basename(file)}`);
    }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
