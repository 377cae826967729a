//! The dependency graph over a [`Lockfile`]: shortest dependency paths from the root (for the
//! report's `my-app > jest > @jest/core > bad-pkg@1.0.0`), dev-only reachability, and matching
//! manifest specs to locked packages.

use std::collections::{BTreeMap, HashMap, VecDeque};

use crate::{DepSource, Lockfile};

/// Node of the graph walk: the virtual root or a package index.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Node {
    Root,
    Pkg(usize),
}

struct Graph<'a> {
    lock: &'a Lockfile,
    by_id: HashMap<&'a str, usize>,
}

impl<'a> Graph<'a> {
    fn new(lock: &'a Lockfile) -> Self {
        let by_id = lock
            .packages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        Graph { lock, by_id }
    }

    /// Children with the "reached through a dev edge" flag of the edge (root edges only).
    fn children(&self, node: Node, out: &mut Vec<(usize, bool)>) {
        out.clear();
        let importer = match node {
            Node::Root => Some(""),
            Node::Pkg(i) => match &self.lock.packages[i].source {
                DepSource::Workspace { path } => Some(path.as_str()),
                _ => None,
            },
        };
        if let Some(importer) = importer {
            for d in self
                .lock
                .root
                .direct
                .iter()
                .filter(|d| d.importer == importer)
            {
                if let Some(&t) = d.target.as_deref().and_then(|t| self.by_id.get(t)) {
                    out.push((t, d.dev));
                }
            }
        }
        match node {
            // Workspace members are part of the project: reachable from the root, not dev.
            Node::Root => {
                for (i, p) in self.lock.packages.iter().enumerate() {
                    if matches!(p.source, DepSource::Workspace { .. }) {
                        out.push((i, false));
                    }
                }
            }
            Node::Pkg(i) => {
                for (_, id) in &self.lock.packages[i].dependencies {
                    if let Some(&t) = self.by_id.get(id.as_str()) {
                        out.push((t, false));
                    }
                }
            }
        }
    }
}

/// Up to `max` shortest dependency paths from the root to every reachable package, keyed by
/// (name, version). Each path starts with the root's name (`(root)` when unnamed), then the
/// names of the packages on the way, and ends with `name@version`:
/// `["my-app", "jest", "@jest/core", "bad-pkg@1.0.0"]`. Paths never repeat a package.
/// Work is bounded by `packages × max` expansions.
pub fn dependency_paths(
    lock: &Lockfile,
    max: usize,
) -> BTreeMap<(String, String), Vec<Vec<String>>> {
    let mut out: BTreeMap<(String, String), Vec<Vec<String>>> = BTreeMap::new();
    if max == 0 {
        return out;
    }
    let graph = Graph::new(lock);
    let root_label = lock
        .root
        .name
        .clone()
        .unwrap_or_else(|| "(root)".to_owned());
    let mut accepted = vec![0usize; lock.packages.len()];
    // BFS over (node, path of package indices): the first `max` arrivals at a node are its
    // shortest paths.
    let mut queue: VecDeque<(Node, Vec<usize>)> = VecDeque::new();
    queue.push_back((Node::Root, Vec::new()));
    let mut kids = Vec::new();
    while let Some((node, path)) = queue.pop_front() {
        graph.children(node, &mut kids);
        for &(child, _) in &kids {
            if path.contains(&child) || accepted[child] >= max {
                continue;
            }
            accepted[child] += 1;
            let mut next = path.clone();
            next.push(child);
            let pkg = &lock.packages[child];
            let mut labels = Vec::with_capacity(next.len() + 1);
            labels.push(root_label.clone());
            for &i in &next[..next.len() - 1] {
                labels.push(lock.packages[i].name.clone());
            }
            labels.push(format!("{}@{}", pkg.name, pkg.version));
            let entry = out
                .entry((pkg.name.clone(), pkg.version.clone()))
                .or_default();
            if entry.len() < max && !entry.contains(&labels) {
                entry.push(labels);
            }
            queue.push_back((Node::Pkg(child), next));
        }
    }
    out
}

/// Sets `dev` on every package: dev when reachable from the root only through dev direct
/// dependencies. Packages the root does not reach keep their flag.
pub(crate) fn recompute_dev(lock: &mut Lockfile) {
    let graph = Graph::new(lock);
    let n = lock.packages.len();
    // 0 = unreached, 1 = reached through dev only, 2 = reached through a prod path.
    let mut state = vec![0u8; n];
    let mut queue: VecDeque<(usize, u8)> = VecDeque::new();
    let mut kids = Vec::new();
    graph.children(Node::Root, &mut kids);
    for &(c, dev) in &kids {
        queue.push_back((c, if dev { 1 } else { 2 }));
    }
    while let Some((i, s)) = queue.pop_front() {
        if state[i] >= s {
            continue;
        }
        state[i] = s;
        graph.children(Node::Pkg(i), &mut kids);
        for &(c, _) in &kids {
            if state[c] < s {
                queue.push_back((c, s));
            }
        }
    }
    for (p, s) in lock.packages.iter_mut().zip(state) {
        match s {
            1 => p.dev = true,
            2 => p.dev = false,
            _ => {}
        }
    }
}

/// Finds the locked package a manifest dependency (`name`, `spec`) resolved to.
pub(crate) struct DescriptorIndex {
    descriptors: HashMap<String, String>,
    install_paths: HashMap<String, String>,
    by_name: HashMap<String, Vec<String>>,
}

impl DescriptorIndex {
    pub(crate) fn new(lock: &Lockfile) -> Self {
        let mut descriptors = HashMap::new();
        let mut install_paths = HashMap::new();
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        for p in &lock.packages {
            for d in &p.descriptors {
                descriptors.insert(d.clone(), p.id.clone());
            }
            if let Some(ip) = &p.install_path {
                install_paths.insert(ip.clone(), p.id.clone());
            }
            let installed_as = p.alias.as_ref().unwrap_or(&p.name);
            by_name
                .entry(installed_as.clone())
                .or_default()
                .push(p.id.clone());
        }
        DescriptorIndex {
            descriptors,
            install_paths,
            by_name,
        }
    }

    pub(crate) fn find(&self, name: &str, spec: &str) -> Option<String> {
        for key in [format!("{name}@{spec}"), format!("{name}@npm:{spec}")] {
            if let Some(id) = self.descriptors.get(&key) {
                return Some(id.clone());
            }
        }
        if let Some(id) = self.install_paths.get(&format!("node_modules/{name}")) {
            return Some(id.clone());
        }
        match self.by_name.get(name).map(Vec::as_slice) {
            Some([only]) => Some(only.clone()),
            _ => None,
        }
    }
}
