//! The engine every frontend drives: `pipeline::run` against the loopback model server, a
//! real repository and a real SQLite file, with the review answered through `Op`s.

use serde_json::Value;
use tokio::sync::mpsc;

use vibe::clock::Clock;
use vibe::config::{Config, Inputs};
use vibe::event::{Event, Op};
use vibe::pipeline::{self, Outcome, Request, Review, Services, Start, Stop};
use vibe::plan::Plan;
use vibe::review::Target;
use vibe::store::{ReviewKind, Store};

use super::crs_plan::{crs_doc, plan_doc, setup};
use crate::common::openai::Reply;
use crate::common::TestEnv;

fn config(env: &TestEnv) -> Config {
    let inputs = Inputs { env: env.env.clone(), cwd: env.cwd.clone(), ..Inputs::default() };
    Config::load(&inputs).unwrap()
}

/// Runs the pipeline, answering the review with `answer`; returns the outcome and every event.
fn drive(env: &TestEnv, req: Request, answer: Option<Op>) -> (Outcome, Vec<Event>) {
    drive_with(env, req, move |ev| match (ev, &answer) {
        (Event::ApprovalNeeded { .. }, Some(op)) => vec![op.clone()],
        _ => Vec::new(),
    })
}

/// Runs the pipeline; `front` answers each event with ops.
fn drive_with(
    env: &TestEnv,
    req: Request,
    mut front: impl FnMut(&Event) -> Vec<Op>,
) -> (Outcome, Vec<Event>) {
    let config = config(env);
    let clock = Clock::from_env(&env.env);
    let mut services = Services::new(Store::open(&config.db_path()).unwrap(), None);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (ev_tx, mut ev_rx) = mpsc::unbounded_channel();
    let (op_tx, op_rx) = mpsc::unbounded_channel();
    rt.block_on(async {
        let pipe = pipeline::run(&config, clock, &mut services, req, ev_tx, op_rx);
        let front = async {
            let mut seen = Vec::new();
            while let Some(ev) = ev_rx.recv().await {
                for op in front(&ev) {
                    op_tx.send(op).unwrap();
                }
                seen.push(ev);
            }
            seen
        };
        let (outcome, seen) = tokio::join!(pipe, front);
        (outcome.unwrap(), seen)
    })
}

fn run_request(env: &TestEnv, start: Start) -> Request {
    let mut req = Request::draft(env.cwd.clone(), start, Stop::Job);
    req.review = Review::Ask;
    req.run_job = true;
    req.allow_dirty = false;
    req
}

#[test]
fn the_approval_request_carries_the_crs_and_the_plan_and_a_rejection_is_recorded() {
    let (env, server) = setup();
    server.push(Reply::json(&crs_doc())).push(Reply::json(&plan_doc()));
    let req = run_request(&env, Start::Prompt("add a --verbose flag".into()));
    let reason = Some("too broad".to_string());
    let (outcome, events) = drive(&env, req, Some(Op::Reject { reason }));

    let Outcome::Rejected { plan_id: Some(plan_id) } = outcome else { panic!("{outcome:?}") };
    let (crs, plan, id) = events
        .iter()
        .find_map(|e| match e {
            Event::ApprovalNeeded { crs, plan, plan_id, .. } => Some((crs, plan, plan_id.clone())),
            _ => None,
        })
        .expect("an approval request");
    assert_eq!(id.as_deref(), Some(plan_id.as_str()));
    assert_eq!(serde_json::to_value(crs.as_ref()).unwrap(), crs_doc());
    let mut expected = plan_doc();
    // The plan is the one recorded, as it was when the user was asked.
    assert_eq!(serde_json::to_value(plan.as_ref()).unwrap()["steps"], expected["steps"].take());

    let store = Store::open(&env.db_path()).unwrap();
    let rec = store.plan(&plan_id).unwrap();
    assert_eq!(rec.status, "rejected");
    let stored: Value = serde_json::from_str(rec.plan_json.as_deref().unwrap()).unwrap();
    assert_eq!(stored, serde_json::to_value(plan.as_ref()).unwrap());
    assert_eq!(store.recent_jobs(5, None).unwrap().len(), 0, "no job for a rejected plan");
}

#[test]
fn stop_points_record_what_was_written_and_report_model_progress() {
    let (env, server) = setup();
    server.push(Reply::json(&crs_doc()));
    let req = Request::draft(env.cwd.clone(), Start::Prompt("add a --verbose flag".into()), Stop::Crs);
    let (outcome, events) = drive(&env, req, None);
    let Outcome::Crs(made) = outcome else { panic!("{outcome:?}") };
    let store = Store::open(&env.db_path()).unwrap();
    assert_eq!(store.crs(&made.record.id).unwrap().summary.as_deref(), Some(made.crs.summary.as_str()));
    assert!(events.iter().any(|e| matches!(e, Event::ModelProgress { tokens, .. } if *tokens > 0)));
    assert!(!events.iter().any(|e| matches!(e, Event::PlanReady { .. })));
    assert_eq!(server.chat_requests().len(), 1);

    // From the recorded CRS, the plan alone.
    server.push(Reply::json(&plan_doc()));
    let crs_record = store.crs(&made.record.id).unwrap();
    let start = Start::Crs(Box::new((crs_record, made.crs.clone())));
    let (outcome, events) = drive(&env, Request::draft(env.cwd.clone(), start, Stop::Plan), None);
    let Outcome::Planned(planned) = outcome else { panic!("{outcome:?}") };
    assert!(planned.crs_usage.is_none());
    let rec = store.plan(&planned.plan.record.id).unwrap();
    assert_eq!((rec.status.as_str(), rec.crs_id.as_deref()), ("draft", Some(made.record.id.as_str())));
    assert!(!events.iter().any(|e| matches!(e, Event::CrsReady { .. })));
    assert_eq!(server.chat_requests().len(), 2);
}

fn kinds(store: &Store, plan_id: &str) -> Vec<(ReviewKind, Option<String>, Option<String>)> {
    store.reviews(plan_id).unwrap().into_iter().map(|r| (r.kind, r.target, r.body)).collect()
}

fn revised_doc() -> Value {
    let mut doc = plan_doc();
    doc["steps"].as_array_mut().unwrap().push(serde_json::json!({
        "title": "Document the flag", "intent": "Say what --verbose does.",
        "files": [{"path": "README.md", "action": "create"}], "commands": []
    }));
    doc
}

#[test]
fn revise_with_feedback_keeps_notes_and_locked_steps_and_the_job_runs_the_approved_version() {
    let (env, server) = setup();
    let mut broke_lock = revised_doc();
    broke_lock["steps"][0]["title"] = "Parse --verbose and -v".into();
    server
        .push(Reply::json(&crs_doc()))
        .push(Reply::json(&plan_doc()))
        .push(Reply::json(&broke_lock))
        .push(Reply::json(&revised_doc()));
    let mut req = run_request(&env, Start::Prompt("add a --verbose flag".into()));
    req.run_job = false;
    let mut first: Option<(String, String)> = None;
    let (outcome, events) = drive_with(&env, req, |ev| match ev {
        Event::ApprovalNeeded { plan_id, content_hash, .. } => {
            first = Some((plan_id.clone().unwrap(), content_hash.clone()));
            vec![
                Op::Lock { step: 0, locked: true },
                Op::Comment { target: Target::Step(1), text: "use a table test".into() },
                Op::Answer { question: 0, text: "no alias".into() },
                Op::Comment { target: Target::Step(7), text: "nowhere".into() },
                Op::Revise { feedback: "add a README step".into() },
            ]
        }
        Event::PlanVersion { plan_id, content_hash, .. } => {
            let (old_id, old_hash) = first.clone().unwrap();
            vec![
                // The superseded version cannot be approved any more.
                Op::Approve { plan_id: Some(old_id), content_hash: old_hash },
                // Nor can the new one with content other than what was shown.
                Op::Approve { plan_id: Some(plan_id.clone()), content_hash: "0".repeat(64) },
                Op::Approve { plan_id: Some(plan_id.clone()), content_hash: content_hash.clone() },
            ]
        }
        _ => Vec::new(),
    });
    let Outcome::Created { job_id } = outcome else { panic!("{outcome:?}") };
    let (v1, _) = first.unwrap();
    let failures: Vec<&String> = events
        .iter()
        .filter_map(|e| if let Event::ReviewFailed { message, .. } = e { Some(message) } else { None })
        .collect();
    assert_eq!(failures.len(), 3, "{failures:?}");
    assert!(failures[0].contains("no S8"), "{failures:?}");
    assert!(failures[1].contains("superseded"), "{failures:?}");
    assert!(failures[2].contains("not the version that was shown"), "{failures:?}");

    // What the model was told for the revision, and the repair that kept the locked step.
    let reqs = server.chat_requests();
    assert_eq!(reqs.len(), 4);
    let asked = reqs[2].all_text();
    for needle in [
        "The reviewer asks:\nadd a README step",
        "- S2: use a table test",
        "- Q1 (Should -v be an alias?): no alias",
        "Locked steps, to keep exactly as they are (every field, word for word), in the same order among themselves: S1.",
        "Parse --verbose",
    ] {
        assert!(asked.contains(needle), "{needle} not in {asked}");
    }
    let repair = reqs[3].all_text();
    assert!(repair.contains("locked step S1") && repair.contains("must be kept word for word"), "{repair}");

    let store = Store::open(&env.db_path()).unwrap();
    let job = store.job(&job_id).unwrap();
    let v2 = job.plan_id.clone().unwrap();
    let versions: Vec<(String, Option<String>, String)> =
        store.plan_versions(&v1).unwrap().into_iter().map(|p| (p.id, p.parent_id, p.status)).collect();
    assert_eq!(
        versions,
        vec![(v1.clone(), None, "superseded".into()), (v2.clone(), Some(v1.clone()), "approved".into())]
    );
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        kinds(&store, &v1),
        vec![
            (ReviewKind::Lock, s("S1"), None),
            (ReviewKind::Comment, s("S2"), s("use a table test")),
            (ReviewKind::Answer, s("Q1"), s("no alias")),
            (ReviewKind::Feedback, None, s("add a README step")),
        ]
    );
    let on_v2 = kinds(&store, &v2);
    assert_eq!(on_v2[0], (ReviewKind::Revise, None, s("add a README step")));
    assert_eq!(on_v2[1], (ReviewKind::Lock, s("S1"), None));
    assert_eq!(on_v2[2].0, ReviewKind::Approve);
    let plan: Plan = serde_json::from_str(store.plan(&v2).unwrap().plan_json.as_deref().unwrap()).unwrap();
    assert_eq!(plan.steps.len(), 3);
    assert!(vibe::review::is_approved(&store, &v2, &plan).unwrap());
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(env.vibe_home().join("jobs").join(&job_id).join("spec.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(spec["plan"]["steps"][2]["title"], "Document the flag", "the job runs the approved version");
}

#[test]
fn an_edit_is_checked_and_handed_back_and_a_failed_revision_keeps_the_feedback() {
    let (env, server) = setup();
    server.push(Reply::json(&crs_doc())).push(Reply::json(&plan_doc()));
    server.push_error(400, "invalid_request_error", None, "context too long");
    let req = run_request(&env, Start::Prompt("add a --verbose flag".into()));
    let mut plan_id = None;
    let (outcome, events) = drive_with(&env, req, |ev| match ev {
        Event::ApprovalNeeded { plan, plan_id: id, .. } => {
            plan_id = id.clone();
            let mut empty: Plan = (**plan).clone();
            empty.steps.clear();
            vec![Op::Replace { plan: Box::new(empty) }]
        }
        Event::EditRefused { plan, .. } => {
            let mut fixed: Plan = (**plan).clone();
            let base: Plan = serde_json::from_value(plan_doc()).unwrap();
            fixed.steps = base.steps;
            fixed.steps[1].title = "Test both ways".into();
            vec![Op::Replace { plan: Box::new(fixed) }]
        }
        Event::PlanVersion { .. } => vec![Op::Revise { feedback: "smaller steps".into() }],
        Event::ReviewFailed { .. } => vec![Op::Reject { reason: Some("model is down".into()) }],
        _ => Vec::new(),
    });
    let Outcome::Rejected { plan_id: Some(v2) } = outcome else { panic!("{outcome:?}") };
    let refused = events.iter().find_map(|e| match e {
        Event::EditRefused { problems, plan } => Some((problems.clone(), plan.steps.len())),
        _ => None,
    });
    let (problems, steps) = refused.expect("the empty plan was refused");
    assert_eq!(steps, 0, "the edit comes back as written");
    assert!(problems.iter().any(|p| p.contains("no steps")), "{problems:?}");

    let store = Store::open(&env.db_path()).unwrap();
    let v1 = plan_id.unwrap();
    let rec = store.plan(&v2).unwrap();
    assert_eq!((rec.parent_id.as_deref(), rec.status.as_str()), (Some(v1.as_str()), "rejected"));
    assert_eq!(store.plan(&v1).unwrap().status, "superseded");
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        kinds(&store, &v2),
        vec![
            (ReviewKind::Edit, None, None),
            (ReviewKind::Feedback, None, s("smaller steps")),
            (ReviewKind::Reject, None, s("model is down")),
        ]
    );
    assert_eq!(store.plan_versions(&v1).unwrap().len(), 2, "the failed revision made no version");
}

#[test]
fn editing_the_criteria_makes_a_new_crs_version_checked_against_the_plan_and_the_job_runs_it() {
    use vibe::review::CriterionEdit;
    let (env, server) = setup();
    server.push(Reply::json(&crs_doc())).push(Reply::json(&plan_doc()));
    let mut req = run_request(&env, Start::Prompt("add a --verbose flag".into()));
    req.run_job = false;
    let mut v1 = None;
    let mut approvals = 0;
    let (outcome, events) = drive_with(&env, req, |ev| match ev {
        Event::ApprovalNeeded { plan_id, .. } => {
            v1 = plan_id.clone();
            vec![
                // Unknown criteria and blank text are refused without a trace.
                Op::EditCriteria { edits: vec![CriterionEdit::Remove { id: "AC9".into() }] },
                Op::EditCriteria {
                    edits: vec![CriterionEdit::Add { description: " ".into(), verification: "x".into() }],
                },
                Op::EditCriteria {
                    edits: vec![
                        CriterionEdit::Change {
                            id: "ac1".into(),
                            description: "--verbose prints one line per file read".into(),
                            verification: "cargo test verbose".into(),
                        },
                        CriterionEdit::Remove { id: "AC2".into() },
                        CriterionEdit::Add {
                            description: "-v is an alias".into(),
                            verification: "cargo test alias".into(),
                        },
                    ],
                },
            ]
        }
        Event::CriteriaVersion { plan_id, content_hash, plan, .. } => {
            // The plan still names AC2 and leaves AC3 unchecked: approval is refused.
            let mut fixed: Plan = (**plan).clone();
            fixed.testing_strategy[1].criteria = vec!["AC3".into()];
            fixed.testing_strategy[1].command = "cargo test alias".into();
            vec![
                Op::Approve { plan_id: Some(plan_id.clone()), content_hash: content_hash.clone() },
                Op::Replace { plan: Box::new(fixed) },
            ]
        }
        Event::PlanVersion { plan_id, content_hash, .. } => {
            approvals += 1;
            vec![Op::Approve { plan_id: Some(plan_id.clone()), content_hash: content_hash.clone() }]
        }
        _ => Vec::new(),
    });
    assert_eq!(approvals, 1);
    let Outcome::Created { job_id } = outcome else { panic!("{outcome:?}") };
    let failures: Vec<&String> = events
        .iter()
        .filter_map(|e| if let Event::ReviewFailed { message, .. } = e { Some(message) } else { None })
        .collect();
    assert_eq!(failures.len(), 3, "{failures:?}");
    assert!(failures[0].contains("no criterion AC9"), "{failures:?}");
    assert!(failures[1].contains("needs a description"), "{failures:?}");
    assert!(failures[2].contains("does not match its acceptance criteria"), "{failures:?}");
    let (crs_id, crs, problems) = events
        .iter()
        .find_map(|e| match e {
            Event::CriteriaVersion { crs_id, crs, problems, .. } => {
                Some((crs_id.clone(), crs.clone(), problems.clone()))
            }
            _ => None,
        })
        .expect("a criteria version");
    let ids: Vec<&str> = crs.acceptance_criteria.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["AC1", "AC3"], "ids stay; a removed one is not reused");
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("AC2 is not an acceptance criterion"), "{problems:?}");
    assert!(problems[1].contains("AC3 (-v is an alias) is not covered"), "{problems:?}");
    assert_eq!(server.chat_requests().len(), 2, "editing criteria calls no model");

    let store = Store::open(&env.db_path()).unwrap();
    let v1 = v1.unwrap();
    let chain = store.plan_versions(&v1).unwrap();
    let shape: Vec<(&str, Option<&str>)> =
        chain.iter().map(|p| (p.status.as_str(), p.crs_id.as_deref())).collect();
    let first_crs = chain[0].crs_id.clone().unwrap();
    assert_eq!(
        shape,
        [
            ("superseded", Some(first_crs.as_str())),
            ("superseded", Some(crs_id.as_str())),
            ("approved", Some(crs_id.as_str()))
        ]
    );
    assert_eq!(chain[1].parent_id.as_deref(), Some(v1.as_str()));
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        kinds(&store, &chain[1].id)[0],
        (
            ReviewKind::Edit,
            s("criteria"),
            s("changed AC1: --verbose prints one line per file read; removed AC2; added AC3: -v is an alias")
        )
    );
    // The first CRS is kept as it was.
    let old: Value = serde_json::from_str(&store.crs(&first_crs).unwrap().crs_json).unwrap();
    assert_eq!(old["acceptance_criteria"].as_array().unwrap().len(), 2);
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(env.vibe_home().join("jobs").join(&job_id).join("spec.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(spec["crs_id"], crs_id.as_str(), "the job runs the approved CRS version");
    assert_eq!(spec["crs"]["acceptance_criteria"][1]["description"], "-v is an alias");
    assert_eq!(spec["plan"]["testing_strategy"][1]["criteria"][0], "AC3");
}
