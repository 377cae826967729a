//! Capability resolution through every evasion the issue lists, exact locations, and the
//! look-alikes that must stay silent.

use super::*;
use ferret_core::{Capability, ImportKind, UseKind};

fn analyze(src: &str) -> FileFacts {
    Analyzer::new().analyze("pkg/mod.py", src)
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

fn has(f: &FileFacts, cap: Capability, api: &str) -> bool {
    f.uses.iter().any(|u| u.capability == cap && u.api == api)
}

fn assert_has(src: &str, cap: Capability, api: &str) {
    let f = analyze(src);
    assert_eq!(f.status, ParseStatus::Parsed, "{src}");
    assert!(
        has(&f, cap, api),
        "expected {cap:?} {api} in {src:?}, got {:#?}",
        uses(&f)
    );
}

fn assert_no(src: &str, cap: Capability) {
    let f = analyze(src);
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
const FS: Capability = Capability::Filesystem;

#[test]
fn aliased_import_reports_the_call_line_and_column() {
    let src = "import os\nimport subprocess as sp\n\ndef f():\n    sp.check_output(['id'])\n";
    let f = analyze(src);
    assert_eq!(f.status, ParseStatus::Parsed);
    let import = f
        .uses
        .iter()
        .find(|u| u.kind == UseKind::Import)
        .expect("import use");
    assert_eq!(
        (
            import.api.as_str(),
            import.location.line,
            import.location.column
        ),
        ("subprocess", 2, 8)
    );
    let call = f
        .uses
        .iter()
        .find(|u| u.api == "subprocess.check_output")
        .expect("call use");
    assert_eq!((call.capability, call.kind), (SHELL, UseKind::Call));
    assert_eq!((call.location.line, call.location.column), (5, 5));
    assert_eq!(call.code.text, "    sp.check_output(['id'])");
    let cf = f
        .calls
        .iter()
        .find(|c| c.callee == "subprocess.check_output")
        .expect("call fact");
    assert!(!cf.top_level);
    assert_eq!(f.imports.len(), 2);
    assert_eq!(f.imports[0].specifier.as_deref(), Some("os"));
    assert_eq!(f.imports[0].kind, ImportKind::Static);
}

#[test]
fn shell_through_every_evasion() {
    let cases = [
        (
            "import subprocess\nsubprocess.Popen('id', shell=True)",
            "subprocess.Popen",
        ),
        ("import subprocess as sp\nsp.run(['id'])", "subprocess.run"),
        (
            "from subprocess import call as c\nc('id')",
            "subprocess.call",
        ),
        ("import os\nos.system('id')", "os.system"),
        ("from os import system as s\ns('id')", "os.system"),
        ("from os import *\nsystem('id')", "os.system"),
        ("import os\nos.popen('id').read()", "os.popen"),
        ("import os\nos.execvp('sh', ['sh'])", "os.execvp"),
        ("import os\nos.spawnlp(os.P_WAIT, 'id', 'id')", "os.spawnlp"),
        ("import pty\npty.spawn('/bin/sh')", "pty.spawn"),
        ("getattr(__import__('o'+'s'), 'system')('id')", "os.system"),
        (
            "getattr(__import__('os'), 'sys' + 'tem')('id')",
            "os.system",
        ),
        (
            "import importlib\nimportlib.import_module('sub'+'process').run('id')",
            "subprocess.run",
        ),
        ("__import__(''.join(['o', 's'])).system('id')", "os.system"),
        ("__import__('so'[::-1]).system('id')", "os.system"),
        ("__import__(chr(111) + chr(115)).system('id')", "os.system"),
        (
            "__import__(''.join(chr(c) for c in [111, 115])).system('id')",
            "os.system",
        ),
        (
            "__import__(''.join(map(chr, [111, 115]))).system('id')",
            "os.system",
        ),
        (
            "__import__(bytes.fromhex('6f73').decode()).system('id')",
            "os.system",
        ),
        (
            "import base64\n__import__(base64.b64decode('b3M=').decode()).system('id')",
            "os.system",
        ),
        (
            "import codecs\n__import__(codecs.decode('bf', 'rot13')).system('id')",
            "os.system",
        ),
        (
            "m = 'o'\nm += ''\nx = f'{\"o\"}s'\n__import__(x).system('id')",
            "os.system",
        ),
        ("import sys\nsys.modules['os'].system('id')", "os.system"),
        ("import os\nvars(os)['system']('id')", "os.system"),
        (
            "import asyncio\nasyncio.create_subprocess_shell('id')",
            "asyncio.create_subprocess_shell",
        ),
    ];
    for (src, api) in cases {
        assert_has(src, SHELL, api);
    }
}

#[test]
fn dynamic_code_through_builtins_indirection() {
    let cases = [
        ("exec('print(1)')", "exec"),
        ("eval(input())", "eval"),
        ("__import__('builtins').exec('x=1')", "exec"),
        ("globals()['__builtins__'].exec('x=1')", "exec"),
        ("__builtins__.__dict__['ex' + 'ec']('x=1')", "exec"),
        ("getattr(__builtins__, 'ev'+'al')('1')", "eval"),
        (
            "import builtins as b\nb.compile('1', 'f', 'eval')",
            "compile",
        ),
        ("from builtins import exec as run\nrun('1')", "exec"),
        ("import marshal\nmarshal.loads(b'x')", "marshal.loads"),
        ("import pickle\npickle.loads(data)", "pickle.loads"),
        ("import types\ntypes.CodeType(0)", "types.CodeType"),
        ("__import__(name)", "__import__(dynamic)"),
        (
            "import importlib\nimportlib.import_module(n)",
            "importlib.import_module(dynamic)",
        ),
    ];
    for (src, api) in cases {
        assert_has(src, DYN, api);
    }
}

#[test]
fn encoded_payload_passed_to_exec_is_decoded_and_capped() {
    // zlib.compress(b"import os; os.system('id')") then base64.
    let payload = {
        use base64::Engine as _;
        use std::io::Write as _;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"import os; os.system('id')").unwrap();
        base64::engine::general_purpose::STANDARD.encode(z.finish().unwrap())
    };
    let src =
        format!("import zlib, base64\nexec(zlib.decompress(base64.b64decode('{payload}')))\n");
    let f = analyze(&src);
    let exec = f
        .calls
        .iter()
        .find(|c| c.callee == "exec")
        .expect("exec call");
    assert_eq!(
        exec.args,
        vec![Some("import os; os.system('id')".to_string())]
    );
    assert!(exec.top_level);
    assert!(
        f.strings
            .iter()
            .any(|s| s.folded && s.value == "import os; os.system('id')")
    );
    // A decompression bomb (16 MiB of zeros) folds to nothing rather than allocating.
    let bomb = {
        use base64::Engine as _;
        use std::io::Write as _;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&vec![b'a'; 16 << 20]).unwrap();
        base64::engine::general_purpose::STANDARD.encode(z.finish().unwrap())
    };
    let src = format!("import zlib, base64\nexec(zlib.decompress(base64.b64decode('{bomb}')))\n");
    let f = analyze(&src);
    let exec = f
        .calls
        .iter()
        .find(|c| c.callee == "exec")
        .expect("exec call");
    assert_eq!(exec.args, vec![None]);
}

#[test]
fn folding_forms() {
    let f = analyze(concat!(
        "import base64, codecs\n",
        "a = 'ht' + 'tps://x.example/p'\n",
        "b = ''.join(['c', 'u', 'r', 'l'])\n",
        "c = 'lru'[::-1]\n",
        "d = base64.b64decode('d2dldA==').decode()\n",
        "e = codecs.decode('jtrg', 'rot_13')\n",
        "g = bytes([105, 100]).decode()\n",
        "h = f'{a}/stage2'\n",
    ));
    let folded: Vec<&str> = f
        .strings
        .iter()
        .filter(|s| s.folded)
        .map(|s| s.value.as_str())
        .collect();
    for want in [
        "https://x.example/p",
        "curl",
        "wget",
        "id",
        "https://x.example/p/stage2",
    ] {
        assert!(folded.contains(&want), "{want} not in {folded:?}");
    }
    // `'lru'[::-1]` is `url`: slices fold through the evaluator, checked via a call arg.
    let f = analyze("import os\nos.system('lru'[::-1] + ' x')");
    let c = f
        .calls
        .iter()
        .find(|c| c.callee == "os.system")
        .expect("call");
    assert_eq!(c.args, vec![Some("url x".to_string())]);
}

#[test]
fn network_filesystem_env_and_sysinfo() {
    assert_has(
        "import requests\nrequests.post('https://x.example', data=1)",
        NET,
        "requests.post",
    );
    assert_has(
        "import socket\ns = socket.socket()\ns.connect(('198.51.100.1', 80))",
        NET,
        "socket.socket.connect",
    );
    assert_has(
        "from urllib.request import urlopen\nurlopen('https://x.example')",
        NET,
        "urllib.request.urlopen",
    );
    assert_has("from urllib import request", NET, "urllib.request");
    assert_has(
        "import http.client\nhttp.client.HTTPSConnection('x.example')",
        NET,
        "http.client.HTTPSConnection",
    );
    assert_has(
        "import socket\nsocket.gethostname()",
        Capability::SystemInfo,
        "socket.gethostname",
    );
    assert_has(
        "import getpass\ngetpass.getuser()",
        Capability::SystemInfo,
        "getpass.getuser",
    );
    assert_has("import os\nos.uname()", Capability::SystemInfo, "os.uname");
    assert_has(
        "import ctypes\nctypes.CDLL('x.so')",
        Capability::NativeCode,
        "ctypes",
    );
    assert_has(
        "import pyperclip\npyperclip.paste()",
        Capability::Clipboard,
        "pyperclip.paste",
    );
    assert_has(
        "import shutil\nshutil.rmtree('/tmp/x')",
        FS,
        "shutil.rmtree",
    );
    assert_has("import os\nos.remove('x')", FS, "os.remove");
    assert_has(
        "from pathlib import Path\nPath.home().joinpath('.ssh').read_text()",
        FS,
        "pathlib.Path.read_text",
    );
    assert_has(
        "from pathlib import Path\n(Path.home() / '.bashrc').write_text('x')",
        FS,
        "pathlib.Path.write_text",
    );
    assert_has(
        "import sys\nsys.settrace(f)",
        Capability::Debug,
        "sys.settrace",
    );

    let f = analyze("open('/etc/passwd').read()\nwith open('x', 'wb') as fh: pass\n");
    let modes: Vec<(UseKind, Option<&str>)> = f
        .uses_of(FS)
        .map(|u| (u.kind, u.detail.as_deref()))
        .collect();
    assert_eq!(
        modes,
        vec![
            (UseKind::Call, Some("mode=r")),
            (UseKind::Write, Some("mode=wb"))
        ]
    );

    let f = analyze(concat!(
        "import os, json\n",
        "from os import environ\n",
        "a = os.environ['AWS_SECRET_ACCESS_KEY']\n",
        "b = os.environ.get('GITHUB_TOKEN')\n",
        "c = os.getenv('NPM_' + 'TOKEN')\n",
        "os.environ['X'] = '1'\n",
        "d = dict(os.environ)\n",
        "e = json.dumps({**environ})\n",
        "f = os.environ.items()\n",
        "g = 'CI' in os.environ or 'HOME' not in environ\n",
    ));
    let env: Vec<(UseKind, Option<&str>, u32)> = f
        .uses_of(ENV)
        .map(|u| (u.kind, u.detail.as_deref(), u.location.line))
        .collect();
    assert_eq!(
        env,
        vec![
            (UseKind::Read, Some("AWS_SECRET_ACCESS_KEY"), 3),
            (UseKind::Read, Some("GITHUB_TOKEN"), 4),
            (UseKind::Read, Some("NPM_TOKEN"), 5),
            (UseKind::Write, Some("X"), 6),
            (UseKind::Read, Some("*"), 7),
            (UseKind::Read, Some("*"), 8),
            (UseKind::Read, Some("*"), 9),
            (UseKind::Read, Some("CI"), 10),
            (UseKind::Read, Some("HOME"), 10),
        ]
    );
}

#[test]
fn look_alikes_stay_silent() {
    // A local `def open()` is not the builtin, in the module and inside functions.
    assert_no("def open(p):\n    return p\nopen('x')\n", FS);
    assert_no("def open(p):\n    return p\ndef g():\n    open('x')\n", FS);
    assert_no("def f(exec):\n    exec('x')\n", DYN);
    assert_no(
        "class C:\n    def eval(self):\n        pass\n    def g(self):\n        self.eval()\n",
        DYN,
    );
    assert_no("import mylib as subprocess\n", SHELL);
    assert_no("exec = print\nexec('x')\n", DYN);
    // Names in docstrings, comments and plain strings are not imports.
    let src = "\"\"\"Uses subprocess and os.system.\"\"\"\n# import subprocess\nx = 'subprocess'\n";
    let f = analyze(src);
    assert!(f.uses.is_empty() && f.imports.is_empty(), "{:#?}", uses(&f));
    assert_no("import urllib.parse\nurllib.parse.quote('x')\n", NET);
    assert_no(
        "import platform\nplatform.system()\n",
        Capability::SystemInfo,
    );
    assert_no("import os\nos.path.join('a', 'b')\n", FS);
    // Relative imports never resolve to the standard library.
    assert_no("from . import subprocess\nsubprocess.run('x')\n", SHELL);
}

#[test]
fn module_level_code_runs_before_later_definitions() {
    // At import time `open` is still the builtin; the later def shadows it for functions.
    let f = analyze("open('a')\ndef open(p):\n    pass\ndef g():\n    open('b')\n");
    let lines: Vec<u32> = f.uses_of(FS).map(|u| u.location.line).collect();
    assert_eq!(lines, vec![1]);
}

#[test]
fn current_syntax_parses() {
    let src = concat!(
        "type Pair[T] = tuple[T, T]\n",
        "def first[T](p: Pair[T]) -> T:\n    return p[0]\n",
        "match cmd:\n    case {'run': str(c)}:\n        pass\n    case _:\n        pass\n",
        "songs = ['a']\nmsg = f\"{'\\n'.join(songs)} {f'{\"nested\"}'}\"\n",
        "try:\n    pass\nexcept* ValueError:\n    pass\n",
        "async def g():\n    async with a as b:\n        await b\n",
    );
    let f = analyze(src);
    assert_eq!(f.status, ParseStatus::Parsed, "{:?}", f.status);
}

#[test]
fn syntax_error_is_recorded_with_its_location_and_analysis_continues() {
    let f = analyze("import os\nos.system('id')\ndef f(:\n    pass\n");
    match &f.status {
        ParseStatus::Failed {
            location: Some(loc),
            ..
        } => assert_eq!(loc.line, 3),
        other => panic!("expected a located failure, got {other:?}"),
    }
    assert!(has(&f, SHELL, "os.system"));
}

#[test]
fn pathological_nesting_is_skipped_on_a_small_stack() {
    let deep = format!("x = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000));
    let chain = format!("x = {}1\n", "1+".repeat(60_000));
    let nots = format!("x = {}1\n", "not ".repeat(60_000));
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let mut a = Analyzer::new();
            [deep, chain, nots].map(|s| a.analyze("deep.py", &s).status)
        })
        .unwrap();
    for status in handle.join().unwrap() {
        assert!(matches!(status, ParseStatus::Skipped { .. }), "{status:?}");
    }
    // Deep but within limits: parsed on the analysis thread, not the caller's.
    let ok = format!("x = {}1{}\n", "(".repeat(900), ")".repeat(900));
    assert_eq!(analyze(&ok).status, ParseStatus::Parsed);
    // Large but ordinary data literals are not operator chains.
    let data = format!("X = [{}]\n", "-1, ".repeat(100_000));
    assert_eq!(analyze(&data).status, ParseStatus::Parsed);
}

#[test]
fn prescan_skips_strings_and_comments() {
    let s = format!(
        "x = '{}'\n# {}\ny = \"\"\"{}\"\"\"\n",
        "(".repeat(5000),
        "[".repeat(5000),
        "{\n".repeat(5000)
    );
    assert!(prescan(&s).is_ok());
}

#[test]
fn paths_and_text_facts() {
    assert!(is_python_path("pkg/__init__.py"));
    assert!(is_python_path("bin/tool.PYW"));
    assert!(!is_python_path("setup.cfg"));
    assert!(!is_python_path("py"));
    let f = analyze("a = 1\nb = 2\n");
    assert_eq!(
        (f.text.lines, f.text.longest_line, f.text.minified),
        (2, 6, false)
    );
    let one_line = format!("{}\n", "x=1;".repeat(2_000));
    assert!(analyze(&one_line).text.minified);
}

#[test]
fn hidden_statement_after_whitespace_is_still_resolved() {
    // The text pass reports the whitespace; the analyser sees the statement like any other.
    let src = format!("x = 1{}; __import__('os').system('id')\n", " ".repeat(300));
    let f = analyze(&src);
    let u = f
        .uses
        .iter()
        .find(|u| u.api == "os.system")
        .expect("os.system");
    assert_eq!((u.location.line, u.location.column), (1, 308));
}

#[test]
fn docstrings_are_not_strings_of_the_code() {
    let src = "\"\"\"Post to https://webhook.site/abc.\"\"\"\nclass A:\n    \"\"\"See http://198.51.100.7/x\"\"\"\n    def f(self):\n        \"\"\"Example: https://pastebin.com/raw/abcd\"\"\"\n        return 'https://api.example/v1'\n";
    let f = analyze(src);
    let values: Vec<&str> = f.strings.iter().map(|s| s.value.as_str()).collect();
    assert_eq!(values, ["https://api.example/v1"]);
    // A file that reads docstrings back keeps them: a payload can hide there.
    let src = "\"\"\"aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk=\"\"\"\nimport base64\nexec(base64.b64decode(__doc__))\n";
    let f = analyze(src);
    assert!(
        f.strings
            .iter()
            .any(|s| s.value == "aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk="),
        "{:?}",
        f.strings
    );
}
