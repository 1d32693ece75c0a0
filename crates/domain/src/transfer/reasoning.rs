//! The verdict as the questions a lawyer asks, in order: is it a restricted transfer; what
//! carries it; is that valid on the day; is the contract in force and of the right module; is the
//! transfer impact assessment done; is there an Art 28 contract with a processor.
//!
//! Built from the same finding as the verdict (`rules::find`), so a step never disagrees with the
//! status or the problems: every problem of the verdict is answered by exactly one step.

use super::{
    Problem, Transfer,
    explain::{derogation_label, exporter_label, period, recipient_label, the},
    rules::{Basis, Finding, find, signed_sccs_are_the_contract},
    safeguards::{mechanism_words, module_name},
};
use crate::{
    reference::{LegalReference, Status},
    vocab::{ProblemCode, RecipientRole, Regime, TransferMechanism as M},
};
use chrono::NaiveDate;

/// How one question of the reasoning is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOutcome {
    /// The condition is met.
    Met,
    /// The condition is not met: the transfer is not compliant until it is.
    NotMet,
    /// Met, with something to note or review; the verdict does not change.
    Warning,
    /// The question does not arise for this transfer.
    NotApplicable,
}

/// One question of the reasoning, its answer in words, its outcome and the sources relied on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasoningStep {
    pub question: String,
    pub answer: String,
    pub outcome: StepOutcome,
    pub sources: Vec<String>,
    /// Where a step is not met, the field whose change answers it: a field of the flow
    /// (`mechanism`, `sccModule`, `derogation`, `occasional`, `signedOn`, `tiaCompletedOn`) or,
    /// for the Art 28 contract, the recipient organisation's `dpaSignedOn`. A warning that a new
    /// record answers (an assessment past its review date) names its field too.
    pub field: Option<&'static str>,
}

/// The questions, in the order they are asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Question {
    Restricted,
    CarriedBy,
    ValidOnTheDay,
    Contract,
    ImpactAssessment,
    ProcessorContract,
}

impl Question {
    fn words(self) -> &'static str {
        match self {
            Self::Restricted => "Is this a restricted transfer?",
            Self::CarriedBy => "What carries the transfer?",
            Self::ValidOnTheDay => "Is that mechanism valid on the day?",
            Self::Contract => "Is the contract in force and of the right module?",
            Self::ImpactAssessment => "Is the transfer impact assessment done?",
            Self::ProcessorContract => "Is there an Art 28 contract with the processor?",
        }
    }
}

/// The question that answers a problem of the verdict.
fn question_of(p: &Problem, t: &Transfer) -> Question {
    use ProblemCode as P;
    match p.code {
        // The EU clauses alone for a UK exporter: the contract lacks the UK Addendum.
        P::InvalidMechanism if t.mechanism == M::Scc2021 && t.regime == Regime::UkGdpr => {
            Question::Contract
        }
        P::InvalidMechanism | P::ExpiredInstrument => Question::ValidOnTheDay,
        // An expired DPA is the Art 28 question; an expired SCCs, IDTA, Addendum or BCR approval
        // is the transfer's contract.
        P::ContractExpired if p.message.starts_with(&dpa_expired_prefix()) => {
            Question::ProcessorContract
        }
        P::ModuleMissing | P::ModuleMismatch | P::ContractExpired => Question::Contract,
        P::TiaMissing | P::TiaDoNotProceed | P::TiaReviewOverdue => Question::ImpactAssessment,
        P::DpaMissing => Question::ProcessorContract,
        P::MissingSafeguard
        | P::NotCertified
        | P::OutsideAdequacyScope
        | P::DerogationMissing
        | P::DerogationNotOccasional
        | P::DerogationReadRestrictively
        | P::EeaIncorporationUnconfirmed
        | P::DpfListDisagrees => Question::CarriedBy,
    }
}

/// How the message of an expired DPA begins (`records::expired` words it).
fn dpa_expired_prefix() -> String {
    format!(
        "the {}",
        super::contract_words(crate::vocab::ContractKind::Dpa)
    )
}

/// The field that fixes a problem.
fn field_of(p: &Problem, q: Question) -> &'static str {
    use ProblemCode as P;
    match (p.code, q) {
        (P::ModuleMissing | P::ModuleMismatch, _) => "sccModule",
        (P::DerogationMissing, _) => "derogation",
        (P::DerogationNotOccasional, _) => "occasional",
        (P::TiaMissing | P::TiaDoNotProceed | P::TiaReviewOverdue, _) => "tiaCompletedOn",
        (P::DpaMissing, _) | (P::ContractExpired, Question::ProcessorContract) => "dpaSignedOn",
        (P::ContractExpired, _) => "signedOn",
        _ => "mechanism",
    }
}

/// The steps of the reasoning on `on`, in order.
pub fn reasoning(r: &LegalReference, t: &Transfer, on: NaiveDate) -> Vec<ReasoningStep> {
    // As the verdict does: the DPF list entry in force on the date replaces the hand-set flags.
    let listed = super::records::as_listed(t, on);
    let t = listed.as_ref();
    let finding = find(r, t, on);
    let ctx = Ctx {
        r,
        t,
        on,
        f: &finding,
    };
    let restricted = ctx.restricted();
    let mut steps = vec![restricted.clone()];
    if restricted.outcome == StepOutcome::NotApplicable {
        for q in [
            Question::CarriedBy,
            Question::ValidOnTheDay,
            Question::Contract,
            Question::ImpactAssessment,
        ] {
            steps.push(step(
                q,
                "Not needed: this is not a restricted transfer.".to_owned(),
                StepOutcome::NotApplicable,
                Vec::new(),
            ));
        }
    } else {
        steps.push(ctx.answered(Question::CarriedBy, ctx.carried_by()));
        steps.push(ctx.answered(Question::ValidOnTheDay, ctx.valid_on_the_day()));
        steps.push(ctx.answered(Question::Contract, ctx.contract()));
        steps.push(ctx.answered(Question::ImpactAssessment, ctx.impact_assessment()));
    }
    steps.push(ctx.answered(Question::ProcessorContract, ctx.processor_contract()));
    steps
}

fn step(q: Question, answer: String, outcome: StepOutcome, sources: Vec<String>) -> ReasoningStep {
    ReasoningStep {
        question: q.words().to_owned(),
        answer,
        outcome,
        sources,
        field: None,
    }
}

/// The problems' messages as the rest of a sentence, ending with a full stop.
fn sentence(messages: &[&str]) -> String {
    let mut s = messages.join("; ");
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

/// The answer a step gives when none of the verdict's problems is its own.
struct Reply {
    answer: String,
    outcome: StepOutcome,
    sources: Vec<String>,
}

impl Reply {
    fn new(answer: impl Into<String>, outcome: StepOutcome, sources: Vec<String>) -> Self {
        Self {
            answer: answer.into(),
            outcome,
            sources,
        }
    }
}

struct Ctx<'a, 'r> {
    r: &'r LegalReference,
    t: &'a Transfer,
    on: NaiveDate,
    f: &'a Finding<'r>,
}

impl Ctx<'_, '_> {
    /// The step's own problems decide it: a blocking one is NOT_MET, a stale record or a
    /// warning is WARNING; without any, the step's default answer.
    fn answered(&self, q: Question, default: Reply) -> ReasoningStep {
        let mine = |list: &[Problem]| -> Vec<Problem> {
            list.iter()
                .filter(|p| question_of(p, self.t) == q)
                .cloned()
                .collect()
        };
        let blocking = mine(&self.f.problems);
        let mut noted = mine(&self.f.stale_record);
        noted.extend(mine(&self.f.warnings));
        let mut sources = default.sources;
        sources.dedup();
        if let Some(first) = blocking.first() {
            let messages: Vec<&str> = blocking.iter().map(|p| p.message.as_str()).collect();
            return ReasoningStep {
                field: Some(field_of(first, q)),
                ..step(
                    q,
                    format!("No: {}", sentence(&messages)),
                    StepOutcome::NotMet,
                    sources,
                )
            };
        }
        if !noted.is_empty() {
            let messages: Vec<&str> = noted.iter().map(|p| p.message.as_str()).collect();
            let answer = format!(
                "{} To note: {}",
                default.answer.trim_end_matches('.').to_owned() + ".",
                sentence(&messages)
            );
            // Only a warning that a new record answers names a field: an assessment past its
            // review date is answered by the next assessment.
            let field = noted
                .iter()
                .any(|p| p.code == ProblemCode::TiaReviewOverdue)
                .then_some("tiaCompletedOn");
            return ReasoningStep {
                field,
                ..step(q, answer, StepOutcome::Warning, sources)
            };
        }
        // A step failed without a problem of its own (nothing valid carries the transfer).
        let field = (default.outcome == StepOutcome::NotMet).then_some(match q {
            Question::ProcessorContract => "dpaSignedOn",
            _ => "mechanism",
        });
        ReasoningStep {
            field,
            ..step(q, default.answer, default.outcome, sources)
        }
    }

    fn law(&self) -> String {
        self.r
            .area(self.t.regime)
            .map_or_else(|| "the law".to_owned(), |a| a.law_on(self.on).to_owned())
    }

    fn restricted(&self) -> ReasoningStep {
        let (t, on) = (self.t, self.on);
        let area = self.r.area(t.regime);
        let area_name = area.map_or("exporter's area", |a| a.name.as_str());
        let mut sources = vec![format!("Art 44 of {}", self.law())];
        let (answer, outcome) = match self.f.basis {
            Basis::RegimeNotInForce => (
                format!(
                    "No: {} did not apply yet on {on}.",
                    area.map_or("the law", |a| a.law.as_str())
                ),
                StepOutcome::NotApplicable,
            ),
            Basis::InsideArea(a) => {
                sources.push(a.provenance.source.clone());
                (
                    format!(
                        "No: the destination, {}, is inside the {} on that date, so data move freely.",
                        t.destination, a.name
                    ),
                    StepOutcome::NotApplicable,
                )
            }
            Basis::NotATransfer(n) => {
                sources.push(format!("{}, {}", n.instrument, n.article));
                (
                    format!(
                        "No: under {}, sending data to {} was not a transfer to a third country on that date.",
                        n.instrument, t.destination
                    ),
                    StepOutcome::NotApplicable,
                )
            }
            Basis::EuInstitution(body) => {
                sources.push(body.provenance.source.clone());
                (
                    format!(
                        "No: the importer is one of {}, which the EU GDPR does not treat as a third country.",
                        the(&body.name)
                    ),
                    StepOutcome::NotApplicable,
                )
            }
            _ => {
                let to = match t.importer_international_organisation.as_deref() {
                    Some(org) => format!(
                        "the importer is an international organisation ({})",
                        self.r.organisation_name(org).map_or(org, |n| n)
                    ),
                    None => format!(
                        "the destination, {}, is outside the {area_name}",
                        t.destination
                    ),
                };
                (
                    format!(
                        "Yes: the exporter (country {}) is under {} and {to} on {on}.",
                        t.exporter_country,
                        self.law()
                    ),
                    StepOutcome::Met,
                )
            }
        };
        step(Question::Restricted, answer, outcome, sources)
    }

    fn carried_by(&self) -> Reply {
        use StepOutcome::{Met, NotMet};
        match self.f.basis {
            Basis::Adequacy(d) => Reply::new(
                format!(
                    "An adequacy decision: the decision for {}, {}.",
                    the(&d.name),
                    d.instrument
                ),
                Met,
                vec![
                    format!("{}, {}", d.instrument, d.article),
                    d.provenance.source.clone(),
                ],
            ),
            Basis::AdequacyScheme(w) => Reply::new(
                format!(
                    "The {}, an adequacy finding for the organisations on {}; the importer is recorded on it.",
                    w.name,
                    w.certification.map_or("its list", |c| c.list_name())
                ),
                Met,
                vec![format!("{}, {}", w.instrument, w.article)],
            ),
            Basis::Safeguard(w) => Reply::new(
                format!("An appropriate safeguard: the {}.", w.name),
                Met,
                vec![format!("{}, {}", w.instrument, w.article)],
            ),
            Basis::Derogation(w, d) => {
                let answer = d.map_or_else(
                    || format!("A derogation under {}.", w.article),
                    |d| {
                        let (point, label) = derogation_label(d);
                        format!(
                            "A derogation for a specific situation, {}{point} ({label}); derogations are read restrictively.",
                            w.article
                        )
                    },
                );
                Reply::new(
                    answer,
                    Met,
                    vec![w.article.clone(), "EDPB Guidelines 2/2018".into()],
                )
            }
            _ => Reply::new("Nothing recorded carries the transfer.", NotMet, Vec::new()),
        }
    }

    fn valid_on_the_day(&self) -> Reply {
        use StepOutcome::{Met, NotApplicable, Warning};
        let on = self.on;
        match self.f.basis {
            Basis::Adequacy(d) => {
                let mut answer = format!("Yes: the decision is {}.", period(&d.validity, on));
                let mut outcome = Met;
                if d.status == Status::InForceAtRisk {
                    answer.push_str(" It is in force but at risk: its validity is contested.");
                    outcome = Warning;
                }
                Reply::new(answer, outcome, vec![d.provenance.source.clone()])
            }
            Basis::AdequacyScheme(w) | Basis::Safeguard(w) | Basis::Derogation(w, _) => Reply::new(
                format!("Yes: the {} is {}.", w.name, period(&w.validity, on)),
                Met,
                vec![w.provenance.source.clone()],
            ),
            _ => Reply::new("There is no mechanism to check.", NotApplicable, Vec::new()),
        }
    }

    fn contract(&self) -> Reply {
        use StepOutcome::{Met, NotApplicable};
        let t = self.t;
        let contractual = matches!(
            t.mechanism,
            M::Scc2021 | M::Scc2010 | M::UkIdta | M::UkAddendum
        );
        let w = match self.f.basis {
            Basis::Safeguard(w) if contractual => w,
            Basis::Nothing if t.mechanism == M::Scc2021 && t.regime == Regime::UkGdpr => {
                return Reply::new("The EU clauses are on record.", Met, Vec::new());
            }
            Basis::Adequacy(_) | Basis::AdequacyScheme(_) => {
                return Reply::new(
                    "Not needed: an adequacy decision carries the transfer.",
                    NotApplicable,
                    Vec::new(),
                );
            }
            _ => {
                return Reply::new(
                    "Not needed: the transfer does not rest on contractual clauses.",
                    NotApplicable,
                    Vec::new(),
                );
            }
        };
        let mut parts = vec![match t.signed_on {
            Some(d) => format!("the {} were signed on {d}", mechanism_words(t.mechanism)),
            None => format!(
                "the {} are on record, without the date they were signed",
                mechanism_words(t.mechanism)
            ),
        }];
        if let Some(m) = t
            .scc_module
            .filter(|_| matches!(t.mechanism, M::Scc2021 | M::UkAddendum))
        {
            let fits = match (t.exporter_role, t.recipient_role) {
                (Some(e), Some(rr)) => format!(
                    ", which fits a {} sending to a {}",
                    exporter_label(e),
                    recipient_label(rr)
                ),
                _ => String::new(),
            };
            parts.push(format!("module {}{fits}", module_name(m)));
        }
        Reply::new(
            format!("Yes: {}.", parts.join("; ")),
            Met,
            vec![format!("{}, {}", w.instrument, w.article)],
        )
    }

    fn impact_assessment(&self) -> Reply {
        use StepOutcome::{Met, NotApplicable};
        let t = self.t;
        let rule = self.r.impact_assessment(t.regime);
        let name = rule.map_or("transfer impact assessment", |r| r.name.as_str());
        let sources = rule
            .map(|r| vec![format!("{}, {}", r.instrument, r.article)])
            .unwrap_or_default();
        match self.f.basis {
            Basis::Safeguard(_) => match t.tia_completed_on {
                Some(done) if done <= self.on => Reply::new(
                    format!("Yes: the {name} was completed on {done}."),
                    Met,
                    sources,
                ),
                _ => Reply::new(
                    format!("Not required for this transfer on {}.", self.on),
                    NotApplicable,
                    sources,
                ),
            },
            Basis::Adequacy(_) | Basis::AdequacyScheme(_) => Reply::new(
                format!("Not needed: no {name} is needed under an adequacy decision."),
                NotApplicable,
                Vec::new(),
            ),
            Basis::Derogation(..) => Reply::new(
                format!("Not needed: a derogation needs no {name}."),
                NotApplicable,
                Vec::new(),
            ),
            _ => Reply::new(
                format!(
                    "Not yet: a {name} is assessed for the safeguard that carries the transfer."
                ),
                NotApplicable,
                Vec::new(),
            ),
        }
    }

    fn processor_contract(&self) -> Reply {
        use StepOutcome::{Met, NotApplicable};
        let (t, on) = (self.t, self.on);
        let article = match t.regime {
            Regime::EuGdpr => "GDPR Art 28(3)",
            Regime::UkGdpr => "UK GDPR Art 28(3)",
        };
        let sources = vec![article.to_owned()];
        match t.recipient_role {
            Some(RecipientRole::Processor | RecipientRole::SubProcessor) => {
                if let Some(d) = t.recipient_dpa_signed_on.filter(|d| *d <= on) {
                    return Reply::new(
                        format!("Yes: the processing agreement was signed on {d}."),
                        Met,
                        sources,
                    );
                }
                match signed_sccs_are_the_contract(self.r, t, on) {
                    Some(reading) => Reply::new(
                        format!(
                            "Yes: the signed clauses are the processing agreement: {}.",
                            reading.wording.trim_end_matches('.')
                        ),
                        Met,
                        vec![article.to_owned(), reading.provenance.source.clone()],
                    ),
                    // The verdict has DPA_MISSING here, which answers the step.
                    None => Reply::new(
                        "No processing agreement is on record.",
                        StepOutcome::NotMet,
                        sources,
                    ),
                }
            }
            Some(role) => Reply::new(
                format!(
                    "Not needed: the recipient receives the data as a {}, not as a processor.",
                    recipient_label(role)
                ),
                NotApplicable,
                Vec::new(),
            ),
            None => Reply::new(
                "Not checked: the recipient's role is not recorded.",
                NotApplicable,
                Vec::new(),
            ),
        }
    }
}
