//! Property: on random registers (branches, shared recipients, cycles), `whoHolds` equals a
//! naive reference traversal of the flows the test itself recorded.

use super::{register, who_holds};
use crate::{
    db_tests,
    fixtures::{activity, flow, org},
    support::TestApp,
};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// xorshift64*: deterministic, so a failing seed can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

const CATEGORIES: [&str; 3] = ["contact.email", "identity.name", "online.clickstream"];

struct Flow {
    id: String,
    activity: usize,
    to: usize,
    cats: Vec<&'static str>,
    parent: Option<usize>,
}

/// Holder -> (categories, fewest hops from a controller), by plain recursion over each chain.
fn reference(
    controllers: &[usize],
    flows: &[Flow],
    linked: &[usize],
) -> BTreeMap<usize, (BTreeSet<&'static str>, usize)> {
    fn visit(
        flows: &[Flow],
        at: usize,
        depth: usize,
        out: &mut BTreeMap<usize, (BTreeSet<&'static str>, usize)>,
    ) {
        let f = &flows[at];
        let entry = out.entry(f.to).or_insert((BTreeSet::new(), depth));
        entry.0.extend(f.cats.iter().copied());
        entry.1 = entry.1.min(depth);
        for (i, child) in flows.iter().enumerate() {
            if child.parent == Some(at) {
                visit(flows, i, depth + 1, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    for a in linked {
        let entry = out.entry(controllers[*a]).or_insert((BTreeSet::new(), 0));
        entry.0.extend(CATEGORIES);
        entry.1 = 0;
    }
    for (i, f) in flows.iter().enumerate() {
        if f.parent.is_none() && linked.contains(&f.activity) {
            visit(flows, i, 1, &mut out);
        }
    }
    out
}

async fn who_holds_equals_a_naive_traversal_on_random_registers(app: TestApp) {
    for seed in 1..=3u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut orgs = Vec::new();
        for i in 0..7 {
            let country = ["GB", "US", "IN"][i % 3];
            let o = org(
                &app,
                json!({ "name": format!("R{seed}-{i}"), "kind": "SUPPLIER", "country": country }),
            )
            .await;
            orgs.push(o);
        }
        let mut controllers = Vec::new();
        let mut acts = Vec::new();
        for _ in 0..3 {
            let c = rng.below(orgs.len());
            acts.push(activity(&app, &orgs[c], &CATEGORIES).await);
            controllers.push(c);
        }
        let mut flows: Vec<Flow> = Vec::new();
        for _ in 0..14 {
            let parent = (!flows.is_empty() && rng.below(3) > 0).then(|| rng.below(flows.len()));
            let (act, from, allowed) = match parent {
                Some(p) => (flows[p].activity, flows[p].to, flows[p].cats.clone()),
                None => {
                    let a = rng.below(acts.len());
                    (a, controllers[a], CATEGORIES.to_vec())
                }
            };
            let mut to = rng.below(orgs.len());
            if to == from {
                to = (to + 1) % orgs.len();
            }
            let cats: Vec<_> = allowed
                .iter()
                .copied()
                .filter(|_| rng.below(2) == 0)
                .collect();
            let cats = if cats.is_empty() {
                vec![allowed[0]]
            } else {
                cats
            };
            let id = flow(
                &app,
                json!({ "activityId": acts[act], "fromId": orgs[from], "toId": orgs[to],
                        "recipientRole": if parent.is_some() { "SUB_PROCESSOR" } else { "PROCESSOR" },
                        "dataCategories": cats,
                        "continuesFlowId": parent.map(|p| flows[p].id.clone()) }),
            )
            .await;
            flows.push(Flow {
                id,
                activity: act,
                to,
                cats,
                parent,
            });
        }
        for s in 0..3 {
            let linked: Vec<usize> = (0..acts.len()).filter(|_| rng.below(2) == 0).collect();
            let email = format!("r{seed}-{s}@example.com");
            let act_ids: Vec<&str> = linked.iter().map(|a| acts[*a].as_str()).collect();
            register(&app, json!({ "email": email }), &act_ids).await;
            let answer = who_holds(&app, json!({ "email": email })).await;
            let expected = reference(&controllers, &flows, &linked);
            let got: BTreeMap<usize, (BTreeSet<&str>, usize)> = answer["holdings"]
                .as_array()
                .expect("holdings")
                .iter()
                .map(|h| {
                    let at = orgs
                        .iter()
                        .position(|o| h["organisation"]["id"] == json!(o))
                        .expect("a known organisation");
                    let cats = h["dataCategories"]
                        .as_array()
                        .expect("cats")
                        .iter()
                        .map(|c| *CATEGORIES.iter().find(|k| c == *k).expect("category"))
                        .collect();
                    let hops = h["path"].as_array().expect("path").len() - 1;
                    (at, (cats, hops))
                })
                .collect();
            assert_eq!(got, expected, "seed {seed}, subject {s}: {answer:#}");
        }
    }
}

db_tests!(who_holds_equals_a_naive_traversal_on_random_registers);
