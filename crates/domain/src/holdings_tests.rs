#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use super::*;
use RecipientRole::*;

fn activity(id: i64, controller_id: i64, cats: &[&str]) -> ActivityRow {
    ActivityRow {
        id,
        controller_id,
        data_categories: cats.iter().map(ToString::to_string).collect(),
    }
}

fn flow(id: i64, activity_id: i64, to_id: i64, continues: Option<i64>, cats: &[&str]) -> FlowRow {
    FlowRow {
        id,
        activity_id,
        to_id,
        role: if continues.is_some() {
            SubProcessor
        } else {
            Processor
        },
        data_categories: cats.iter().map(ToString::to_string).collect(),
        continues_flow_id: continues,
        ended_on: None,
        returned: false,
    }
}

fn holder(h: &Holdings, org: i64) -> &Holding {
    h.holdings
        .iter()
        .find(|x| x.organisation_id == org)
        .unwrap()
}

#[test]
fn a_subject_without_flows_is_held_by_the_controller_alone() {
    let h = walk(&[activity(1, 10, &["contact.email"])], &[]);
    assert_eq!(h.holdings.len(), 1);
    assert_eq!(holder(&h, 10).role, Controller);
    assert_eq!(holder(&h, 10).path, [10]);
    assert_eq!(holder(&h, 10).data_categories, ["contact.email"]);
}

#[test]
fn a_chain_of_six_is_followed_to_the_end_with_its_path() {
    let mut flows = vec![flow(1, 1, 11, None, &["a"])];
    for i in 2..=6 {
        flows.push(flow(i, 1, 10 + i, Some(i - 1), &["a"]));
    }
    let h = walk(&[activity(1, 10, &["a", "b"])], &flows);
    assert_eq!(h.holdings.len(), 7);
    let last = holder(&h, 16);
    assert_eq!(last.path, [10, 11, 12, 13, 14, 15, 16]);
    assert_eq!(last.flows, [1, 2, 3, 4, 5, 6]);
    assert_eq!(last.role, SubProcessor);
    assert!(h.cycles.is_empty());
}

#[test]
fn categories_are_the_union_over_every_chain_and_activity() {
    let flows = [
        flow(1, 1, 11, None, &["a"]),
        flow(2, 2, 11, None, &["b"]),
        flow(3, 1, 12, Some(1), &["a"]),
    ];
    let h = walk(&[activity(1, 10, &["a"]), activity(2, 20, &["b"])], &flows);
    assert_eq!(holder(&h, 11).data_categories, ["a", "b"]);
    assert_eq!(holder(&h, 12).data_categories, ["a"]);
    assert_eq!(holder(&h, 20).role, Controller);
}

#[test]
fn the_shortest_path_is_kept_when_two_chains_reach_one_organisation() {
    let flows = [
        flow(1, 1, 11, None, &["a"]),
        flow(2, 1, 12, Some(1), &["a"]),
        flow(3, 1, 13, Some(2), &["a"]),
        flow(4, 1, 13, None, &["a"]),
    ];
    let h = walk(&[activity(1, 10, &["a"])], &flows);
    assert_eq!(holder(&h, 13).path, [10, 13]);
    assert_eq!(holder(&h, 13).role, Processor);
}

#[test]
fn a_cycle_is_reported_once_and_the_walk_ends() {
    // 10 -> 11 -> 12 -> 10 -> 11: back at the controller, and then at 11 again.
    let flows = [
        flow(1, 1, 11, None, &["a"]),
        flow(2, 1, 12, Some(1), &["a"]),
        flow(3, 1, 10, Some(2), &["a"]),
        flow(4, 1, 11, Some(3), &["a"]),
    ];
    let h = walk(&[activity(1, 10, &["a"])], &flows);
    assert_eq!(h.holdings.len(), 3);
    assert_eq!(holder(&h, 10).role, Controller);
    assert_eq!(h.cycles, [vec![10, 11, 12, 10], vec![11, 12, 10, 11]]);
}

#[test]
fn corrupt_flows_that_continue_each_other_do_not_hang_the_walk() {
    let flows = [
        flow(1, 1, 11, Some(2), &["a"]),
        flow(2, 1, 12, Some(1), &["a"]),
    ];
    let h = walk(&[activity(1, 10, &["a"])], &flows);
    assert_eq!(h.holdings.len(), 1);
}

#[test]
fn flows_of_other_activities_are_ignored() {
    let h = walk(&[activity(1, 10, &["a"])], &[flow(1, 2, 11, None, &["a"])]);
    assert_eq!(h.holdings.len(), 1);
}

#[test]
fn an_organisation_reached_by_several_flows_keeps_every_route() {
    let flows = [
        flow(1, 1, 11, None, &["a"]),
        flow(2, 1, 12, Some(1), &["a"]),
        flow(3, 1, 13, Some(2), &["a"]),
        flow(4, 1, 13, None, &["b"]),
    ];
    let h = walk(&[activity(1, 10, &["a", "b"])], &flows);
    let held = holder(&h, 13);
    assert_eq!(held.path, [10, 13], "the shortest route first");
    let routes: Vec<(Vec<i64>, Vec<i64>)> = held
        .routes
        .iter()
        .map(|r| (r.path.clone(), r.flows.clone()))
        .collect();
    assert_eq!(
        routes,
        [
            (vec![10, 13], vec![4]),
            (vec![10, 11, 12, 13], vec![1, 2, 3])
        ]
    );
    assert_eq!(held.data_categories, ["a", "b"]);
}

#[test]
fn an_ended_flow_still_holds_until_its_data_is_returned() {
    let day = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let mut first = flow(1, 1, 11, None, &["a"]);
    first.ended_on = Some(day);
    let mut onward = flow(2, 1, 12, Some(1), &["a"]);
    onward.ended_on = Some(day);
    let h = walk(&[activity(1, 10, &["a"])], &[first.clone(), onward.clone()]);
    assert!(holder(&h, 11).flow_ended());
    assert_eq!(holder(&h, 11).ended_on(), Some(day));
    assert!(!holder(&h, 10).flow_ended(), "the controller collected it");

    first.returned = true;
    let h = walk(&[activity(1, 10, &["a"])], &[first, onward]);
    assert!(h.holdings.iter().all(|x| x.organisation_id != 11));
    assert_eq!(holder(&h, 12).path, [10, 11, 12], "the walk goes through");
    assert!(holder(&h, 12).flow_ended());
}

#[test]
fn a_holder_with_one_running_flow_is_not_ended() {
    let mut old = flow(1, 1, 11, None, &["a"]);
    old.ended_on = NaiveDate::from_ymd_opt(2025, 1, 1);
    let h = walk(
        &[activity(1, 10, &["a"])],
        &[old, flow(2, 1, 11, None, &["a"])],
    );
    assert!(!holder(&h, 11).flow_ended());
    assert_eq!(holder(&h, 11).ended_on(), None);
}
