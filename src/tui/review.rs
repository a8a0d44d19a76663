//! The plan review screen's state and keys. It shows one CRS and the versions of its plan;
//! keys move around, shape a working copy of the newest version (edit, add, delete and
//! reorder steps) and return [`Action`]s: the [`Op`]s the pipeline answers (approve, reject,
//! comment, lock, answer, replace with the edit, revise with feedback, add, edit or delete an
//! acceptance criterion). The pipeline's
//! [`Event`]s come back through [`ReviewApp::on_event`]. No I/O here.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};

use super::diff::{self, StepChange};
use super::focus::{self, Focus};
use super::input::{Edit, TextInput};
use super::text;
use crate::crs::Crs;
use crate::event::{Event, Op, Stage};
use crate::plan::{FileAction, FileOp, Plan, Step};
use crate::review::{CriterionEdit, Target};
use crate::store::ReviewKind;

/// What the caller does after a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Nothing beyond drawing again.
    None,
    /// Send this op to the pipeline.
    Send(Op),
    /// Leave the review without a decision.
    Quit,
    /// Open this text (the plan, see [`super::text`]) in the editor and hand the result to
    /// [`ReviewApp::edited`].
    Edit(String),
}

/// One version of the plan as the reviewer saw it arrive.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// Its record, when it is recorded.
    pub plan_id: Option<String>,
    /// The plan.
    pub plan: Plan,
    /// What approving it names.
    pub content_hash: String,
    /// How it was made from the one before (`None` for the first).
    pub how: Option<ReviewKind>,
    /// Model tokens that writing it took, when known.
    pub tokens: Option<u64>,
    /// Its estimated cost in USD, when known.
    pub cost_usd: Option<f64>,
}

/// The part of the screen in front.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// The steps.
    Plan,
    /// The CRS, section by section.
    Crs,
    /// The testing strategy and what each check covers.
    Tests,
}

/// An entry of the CRS tab's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrsItem {
    Summary,
    Goals,
    NonGoals,
    Constraints,
    Criterion(usize),
    Areas,
    Risks,
    Question(usize),
}

/// What a line prompt is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// The reason for a rejection.
    Reject,
    /// A comment on a step or criterion.
    Comment(Target),
    /// The answer to an open question.
    Answer(usize),
    /// What the model should change.
    Feedback,
}

impl Purpose {
    /// The label in front of the field.
    pub fn label(&self) -> String {
        match self {
            Purpose::Reject => "Reject, reason (optional)".into(),
            Purpose::Comment(t) => format!("Comment on {}", t.label()),
            Purpose::Answer(i) => format!("Answer Q{}", i + 1),
            Purpose::Feedback => "Regenerate, what should change".into(),
        }
    }
}

/// The fields of a step being edited or added.
#[derive(Debug, Clone, PartialEq)]
pub struct StepForm {
    /// Where the step goes (its index), and whether it is new.
    pub at: usize,
    /// Whether the step is added rather than edited.
    pub new: bool,
    /// Title, intent, files, commands.
    pub fields: [TextInput; 4],
    /// The field with the cursor.
    pub field: usize,
    /// Why the last save was refused.
    pub error: Option<String>,
}

/// The names of [`StepForm::fields`].
pub const FORM_FIELDS: [&str; 4] = ["Title", "Intent", "Files", "Commands"];

/// Separates commands in the form's one-line field.
pub const COMMAND_SEPARATOR: &str = " ;; ";

impl StepForm {
    fn of(step: &Step, at: usize, new: bool) -> Self {
        let files = step
            .files
            .iter()
            .map(|f| format!("{} {}", super::text::op_word(f.action), f.path))
            .collect::<Vec<_>>()
            .join(", ");
        Self {
            at,
            new,
            fields: [
                TextInput::with(step.title.clone()),
                TextInput::with(step.intent.clone()),
                TextInput::with(files),
                TextInput::with(step.commands.join(COMMAND_SEPARATOR)),
            ],
            field: 0,
            error: None,
        }
    }

    /// The step the fields describe, or what is wrong with them.
    pub fn step(&self) -> Result<Step, String> {
        let title = self.fields[0].text().trim().to_string();
        if title.is_empty() {
            return Err("a step needs a title".into());
        }
        let mut files = Vec::new();
        for part in self.fields[2].text().split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (word, path) = part.split_once(' ').unwrap_or(("modify", part));
            let action = match word {
                "read" => FileOp::Read,
                "create" => FileOp::Create,
                "modify" => FileOp::Modify,
                "delete" => FileOp::Delete,
                _ => {
                    return Err(format!(
                        "`{part}`: write files as `read|create|modify|delete PATH`, separated by commas"
                    ))
                }
            };
            files.push(FileAction { path: path.trim().to_string(), action });
        }
        let commands = self.fields[3]
            .text()
            .split(COMMAND_SEPARATOR.trim())
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        Ok(Step { title, intent: self.fields[1].text().trim().to_string(), files, commands })
    }
}

/// The fields of an acceptance criterion being edited or added.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionForm {
    /// The criterion edited, or `None` for a new one.
    pub id: Option<String>,
    /// Description, verification.
    pub fields: [TextInput; 2],
    /// The field with the cursor.
    pub field: usize,
    /// Why the last save was refused.
    pub error: Option<String>,
}

/// The names of [`CriterionForm::fields`].
pub const CRITERION_FIELDS: [&str; 2] = ["Condition", "Verify by"];

impl CriterionForm {
    /// The edit the fields describe, or what is missing.
    pub fn edit(&self) -> Result<CriterionEdit, String> {
        let description = self.fields[0].text().trim().to_string();
        let verification = self.fields[1].text().trim().to_string();
        if description.is_empty() {
            return Err("a criterion needs a condition that can be checked".into());
        }
        if verification.is_empty() {
            return Err("say how to verify it: a command, a test, an observation".into());
        }
        Ok(match &self.id {
            Some(id) => CriterionEdit::Change { id: id.clone(), description, verification },
            None => CriterionEdit::Add { description, verification },
        })
    }
}

/// What the screen is doing with the keys.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// Moving around and acting.
    Normal,
    /// Typing a line.
    Prompt(Purpose, TextInput),
    /// Editing or adding a step.
    Form(StepForm),
    /// Editing or adding an acceptance criterion.
    Criterion(CriterionForm),
    /// The list of keys.
    Help,
}

/// How a step of the version shown differs from the version before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// The same as before.
    Same,
    /// A step with the same title or intent was there and is changed.
    Changed,
    /// New.
    New,
}

/// A note recorded on the newest version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Comment or answer.
    pub kind: ReviewKind,
    /// `S1`, `AC2`, `Q1`.
    pub target: String,
    /// What the reviewer wrote.
    pub text: String,
}

/// A message on the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Whether it reports a failure.
    pub error: bool,
    /// The message.
    pub text: String,
}

/// The plan review screen.
#[derive(Debug, Clone)]
pub struct ReviewApp {
    /// The CRS the newest version implements.
    pub crs: Crs,
    /// The CRS of each version, in the order of `versions`.
    crs_at: Vec<Crs>,
    /// The versions seen so far, oldest first.
    pub versions: Vec<Version>,
    /// The version on screen.
    pub shown: usize,
    /// Unsubmitted edits of the newest version.
    pub working: Option<Plan>,
    /// The tab in front.
    pub tab: Tab,
    /// The selected step (Plan tab), CRS entry (CRS tab) or check (Tests tab).
    pub selected: [usize; 3],
    /// Lines the detail pane is scrolled by.
    pub scroll: u16,
    /// Locked steps of the newest version, 0-based.
    pub locked: Vec<usize>,
    /// Comments and answers recorded on the newest version.
    pub notes: Vec<Note>,
    /// Notes sent and not yet confirmed.
    pending: Vec<Note>,
    /// What the model is doing, while it works for the reviewer.
    pub busy: Option<String>,
    /// The last message.
    pub status: Option<Status>,
    /// Problems the pipeline found in the last submitted edit.
    pub problems: Vec<String>,
    /// What the keys do now.
    pub mode: Mode,
    /// The text of the last editor session that could not be used, with its problems marked.
    pub edit_text: Option<String>,
    /// An editor session whose criteria are being saved: its text, and its plan when that
    /// changed too (submitted once the criteria are saved).
    after_criteria: Option<(String, Option<Plan>)>,
    /// An op to send once the pipeline's last report is taken in.
    queued: Option<Op>,
}

fn key_is(key: &KeyEvent, c: char) -> bool {
    key.code == KeyCode::Char(c) && !key.modifiers.contains(KeyModifiers::CONTROL)
}

impl ReviewApp {
    /// A review of `first` for `crs`.
    pub fn new(crs: Crs, first: Version) -> Self {
        Self {
            crs_at: vec![crs.clone()],
            crs,
            versions: vec![first],
            shown: 0,
            working: None,
            tab: Tab::Plan,
            selected: [0; 3],
            scroll: 0,
            locked: Vec::new(),
            notes: Vec::new(),
            pending: Vec::new(),
            busy: None,
            status: None,
            problems: Vec::new(),
            mode: Mode::Normal,
            edit_text: None,
            after_criteria: None,
            queued: None,
        }
    }

    /// The op that what the pipeline reported calls for (the edited plan, once the criteria
    /// of the same editor session are saved), to send now.
    pub fn follow_up(&mut self) -> Option<Op> {
        self.queued.take()
    }

    /// The CRS of the version on screen (an edit of the criteria makes a new one).
    pub fn crs_shown(&self) -> &Crs {
        self.crs_at.get(self.shown).unwrap_or(&self.crs)
    }

    /// Whether the newest version is on screen.
    pub fn at_newest(&self) -> bool {
        self.shown + 1 == self.versions.len()
    }

    fn newest(&self) -> &Version {
        &self.versions[self.versions.len() - 1]
    }

    /// The plan on screen: the working copy when the newest version is shown and edited.
    pub fn plan(&self) -> &Plan {
        match &self.working {
            Some(p) if self.at_newest() => p,
            _ => &self.versions[self.shown].plan,
        }
    }

    /// The open questions answered on the newest version, 0-based.
    pub fn answered(&self) -> Vec<usize> {
        self.notes
            .iter()
            .filter(|n| n.kind == ReviewKind::Answer)
            .filter_map(|n| n.target.strip_prefix('Q')?.parse::<usize>().ok()?.checked_sub(1))
            .collect()
    }

    /// The review focus of the plan on screen.
    pub fn focus(&self) -> Vec<Focus> {
        focus::focus(self.crs_shown(), self.plan(), &self.answered())
    }

    /// The entries of the CRS tab.
    pub fn crs_items(&self) -> Vec<CrsItem> {
        let mut v = vec![CrsItem::Summary, CrsItem::Goals, CrsItem::NonGoals, CrsItem::Constraints];
        v.extend((0..self.crs_shown().acceptance_criteria.len()).map(CrsItem::Criterion));
        v.extend([CrsItem::Areas, CrsItem::Risks]);
        v.extend((0..self.crs_shown().open_questions.len()).map(CrsItem::Question));
        v
    }

    /// The version the one on screen is compared with: the newest as recorded while it is
    /// being edited, otherwise the version before it.
    pub fn before(&self) -> Option<&Plan> {
        match (self.shown, &self.working) {
            (_, Some(_)) if self.at_newest() => Some(&self.newest().plan),
            (0, _) => None,
            (n, _) => Some(&self.versions[n - 1].plan),
        }
    }

    /// How each step of the version on screen differs from the version before it.
    pub fn marks(&self) -> Vec<Mark> {
        let Some(before) = self.before() else { return vec![Mark::Same; self.plan().steps.len()] };
        diff::steps(before, self.plan())
            .0
            .into_iter()
            .map(|c| match c {
                StepChange::Same(_) => Mark::Same,
                StepChange::Changed(_) => Mark::Changed,
                StepChange::New => Mark::New,
            })
            .collect()
    }

    /// Shows a failure on the status line.
    pub fn fail(&mut self, text: impl Into<String>) {
        self.refuse(text);
    }

    /// Takes the text back from the editor: an unchanged or empty text changes nothing; a
    /// text that reads as a plan is submitted as a new version (changed criteria first, as
    /// the CRS tab saves them, then the plan when it changed too); otherwise its problems are
    /// marked in it and kept for the next edit.
    pub fn edited(&mut self, before: &str, after: String) -> Action {
        if after.trim().is_empty() || after == before {
            self.edit_text = None;
            self.say("the plan is unchanged");
            return Action::None;
        }
        match text::parse(&after) {
            Ok(text::Edited { mut plan, criteria }) => {
                self.edit_text = None;
                let (edits, renamed) =
                    crate::review::criteria_edits(&self.crs.acceptance_criteria, &criteria);
                // Checks name a new criterion by the id it will be given.
                for id in plan.testing_strategy.iter_mut().flat_map(|c| c.criteria.iter_mut()) {
                    if let Some((_, given)) = renamed.iter().find(|(own, _)| own.eq_ignore_ascii_case(id)) {
                        *id = given.clone();
                    }
                }
                if edits.is_empty() {
                    self.working = Some(plan.clone());
                    self.say("submitting your edit…");
                    return Action::Send(Op::Replace { plan: Box::new(plan) });
                }
                let then = (plan != self.newest().plan).then_some(plan);
                self.after_criteria = Some((after, then));
                self.say("saving the criteria as a new version…");
                Action::Send(Op::EditCriteria { edits })
            }
            Err(problems) => {
                let n = problems.len();
                self.edit_text = Some(text::annotate(&after, &problems));
                self.refuse(format!(
                    "your text has {n} problem(s), marked `# !` beside them: press E to fix them (your text is kept)"
                ));
                Action::None
            }
        }
    }

    fn tab_index(&self) -> usize {
        match self.tab {
            Tab::Plan => 0,
            Tab::Crs => 1,
            Tab::Tests => 2,
        }
    }

    fn list_len(&self) -> usize {
        match self.tab {
            Tab::Plan => self.plan().steps.len(),
            Tab::Crs => self.crs_items().len(),
            Tab::Tests => self.plan().testing_strategy.len(),
        }
    }

    /// The selected entry of the tab in front.
    pub fn selection(&self) -> usize {
        self.selected[self.tab_index()].min(self.list_len().saturating_sub(1))
    }

    fn select(&mut self, to: usize) {
        let i = self.tab_index();
        self.selected[i] = to.min(self.list_len().saturating_sub(1));
        self.scroll = 0;
    }

    fn say(&mut self, text: impl Into<String>) {
        self.status = Some(Status { error: false, text: text.into() });
    }

    fn refuse(&mut self, text: impl Into<String>) {
        self.status = Some(Status { error: true, text: text.into() });
    }

    /// Whether changes can be made now; says why not otherwise.
    fn can_change(&mut self) -> bool {
        if self.busy.is_some() {
            self.refuse("the model is writing a new version; wait for it");
            false
        } else if !self.at_newest() {
            let n = self.versions.len();
            self.refuse(format!("this is an earlier version; press ] to go to the newest (v{n})"));
            false
        } else {
            true
        }
    }

    fn recorded(&mut self) -> bool {
        if self.newest().plan_id.is_some() {
            return true;
        }
        self.refuse("this plan is not recorded, so it can only be approved or rejected");
        false
    }

    fn clean(&mut self) -> bool {
        if self.working.is_none() {
            return true;
        }
        self.refuse("you have unsaved edits: press s to submit them or u to drop them");
        false
    }

    /// Answers a key.
    pub fn handle_key(&mut self, key: KeyEvent) -> Action {
        if key.kind == KeyEventKind::Release {
            return Action::None;
        }
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return Action::Quit;
        }
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => self.normal(key),
            Mode::Help => Action::None,
            Mode::Prompt(purpose, mut input) => match input.key(key) {
                Edit::Submit => self.submit(purpose, input.text().trim().to_string()),
                Edit::Cancel => Action::None,
                Edit::Changed | Edit::Ignored => {
                    self.mode = Mode::Prompt(purpose, input);
                    Action::None
                }
            },
            Mode::Form(form) => self.form(form, key),
            Mode::Criterion(form) => self.criterion_form(form, key),
        }
    }

    fn criterion_form(&mut self, mut form: CriterionForm, key: KeyEvent) -> Action {
        match key.code {
            KeyCode::Tab | KeyCode::Down | KeyCode::BackTab | KeyCode::Up => form.field = 1 - form.field,
            _ => match form.fields[form.field].key(key) {
                Edit::Cancel => return Action::None,
                Edit::Submit => match form.edit() {
                    Ok(edit) => {
                        self.say("saving the criteria as a new version…");
                        return Action::Send(Op::EditCriteria { edits: vec![edit] });
                    }
                    Err(e) => form.error = Some(e),
                },
                Edit::Changed | Edit::Ignored => {}
            },
        }
        self.mode = Mode::Criterion(form);
        Action::None
    }

    /// The keys that change acceptance criteria on the CRS tab: `n` adds one, `e` or Enter
    /// edits the selected one, `d` deletes it. `None` when the key is not one of them.
    fn criteria_keys(&mut self, key: &KeyEvent, sel: usize) -> Option<Action> {
        let selected = match self.crs_items().get(sel) {
            Some(CrsItem::Criterion(i)) => Some(*i),
            _ => None,
        };
        let add = key_is(key, 'n');
        let edit = key_is(key, 'e') || (key.code == KeyCode::Enter && selected.is_some());
        let delete = key_is(key, 'd');
        if !(add || edit || delete) {
            return None;
        }
        if !self.can_change() || !self.recorded() || !self.clean() {
            return Some(Action::None);
        }
        if add {
            let blank = CriterionForm { id: None, fields: Default::default(), field: 0, error: None };
            self.mode = Mode::Criterion(blank);
            return Some(Action::None);
        }
        let Some(i) = selected else {
            self.refuse("select an acceptance criterion (AC…) to edit or delete it, or press n to add one");
            return Some(Action::None);
        };
        let ac = self.crs.acceptance_criteria[i].clone();
        if edit {
            self.mode = Mode::Criterion(CriterionForm {
                id: Some(ac.id.clone()),
                fields: [TextInput::with(ac.description.clone()), TextInput::with(ac.verification.clone())],
                field: 0,
                error: None,
            });
            return Some(Action::None);
        }
        self.say(format!("removing {}…", ac.id));
        Some(Action::Send(Op::EditCriteria { edits: vec![CriterionEdit::Remove { id: ac.id.clone() }] }))
    }

    /// Answers the mouse: the wheel moves the selection of the tab in front (not while a
    /// form, a prompt or the key list is open).
    pub fn handle_mouse(&mut self, m: MouseEvent) {
        if self.mode != Mode::Normal {
            return;
        }
        let sel = self.selection();
        match m.kind {
            MouseEventKind::ScrollDown => self.select(sel + 1),
            MouseEventKind::ScrollUp => self.select(sel.saturating_sub(1)),
            _ => {}
        }
    }

    /// Inserts pasted text into the field being typed.
    pub fn paste(&mut self, text: &str) {
        match &mut self.mode {
            Mode::Prompt(_, input) => input.paste(text),
            Mode::Form(f) => f.fields[f.field].paste(text),
            Mode::Criterion(f) => f.fields[f.field].paste(text),
            _ => {}
        }
    }

    fn form(&mut self, mut form: StepForm, key: KeyEvent) -> Action {
        match key.code {
            KeyCode::Tab | KeyCode::Down => form.field = (form.field + 1) % FORM_FIELDS.len(),
            KeyCode::BackTab | KeyCode::Up => {
                form.field = (form.field + FORM_FIELDS.len() - 1) % FORM_FIELDS.len()
            }
            _ => match form.fields[form.field].key(key) {
                Edit::Cancel => return Action::None,
                Edit::Submit => match form.step() {
                    Ok(step) => {
                        let mut plan = self.plan().clone();
                        if form.new {
                            plan.steps.insert(form.at.min(plan.steps.len()), step);
                        } else if let Some(s) = plan.steps.get_mut(form.at) {
                            *s = step;
                        }
                        self.working = Some(plan);
                        self.selected[0] = form.at;
                        self.say("edited; press s to submit the plan, u to drop your edits");
                        return Action::None;
                    }
                    Err(e) => form.error = Some(e),
                },
                Edit::Changed | Edit::Ignored => {}
            },
        }
        self.mode = Mode::Form(form);
        Action::None
    }

    fn submit(&mut self, purpose: Purpose, text: String) -> Action {
        match purpose {
            Purpose::Reject => Action::Send(Op::Reject { reason: Some(text).filter(|t| !t.is_empty()) }),
            _ if text.is_empty() => {
                self.refuse("nothing was typed; nothing was sent");
                Action::None
            }
            Purpose::Comment(target) => {
                self.pending.push(Note {
                    kind: ReviewKind::Comment,
                    target: target.label(),
                    text: text.clone(),
                });
                Action::Send(Op::Comment { target, text })
            }
            Purpose::Answer(question) => {
                let target = Target::Question(question).label();
                self.pending.push(Note { kind: ReviewKind::Answer, target, text: text.clone() });
                Action::Send(Op::Answer { question, text })
            }
            Purpose::Feedback => {
                self.busy = Some("the model is revising the plan…".into());
                Action::Send(Op::Revise { feedback: text })
            }
        }
    }

    fn prompt(&mut self, purpose: Purpose) -> Action {
        self.mode = Mode::Prompt(purpose, TextInput::default());
        Action::None
    }

    fn normal(&mut self, key: KeyEvent) -> Action {
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        let sel = self.selection();
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => return Action::Quit,
            KeyCode::Char('?') => self.mode = Mode::Help,
            KeyCode::Tab => {
                self.tab = match self.tab {
                    Tab::Plan => Tab::Crs,
                    Tab::Crs => Tab::Tests,
                    Tab::Tests => Tab::Plan,
                };
                self.scroll = 0;
            }
            KeyCode::BackTab => {
                self.tab = match self.tab {
                    Tab::Plan => Tab::Tests,
                    Tab::Crs => Tab::Plan,
                    Tab::Tests => Tab::Crs,
                };
                self.scroll = 0;
            }
            KeyCode::Char('1') => self.tab = Tab::Plan,
            KeyCode::Char('2') => self.tab = Tab::Crs,
            KeyCode::Char('3') => self.tab = Tab::Tests,
            KeyCode::Char('J') => return self.move_step(sel, 1),
            KeyCode::Char('K') => return self.move_step(sel, -1),
            KeyCode::Down if shift => return self.move_step(sel, 1),
            KeyCode::Up if shift => return self.move_step(sel, -1),
            KeyCode::Down | KeyCode::Char('j') => self.select(sel + 1),
            KeyCode::Up | KeyCode::Char('k') => self.select(sel.saturating_sub(1)),
            KeyCode::Home | KeyCode::Char('g') => self.select(0),
            KeyCode::End | KeyCode::Char('G') => self.select(usize::MAX),
            KeyCode::PageDown => self.scroll = self.scroll.saturating_add(5),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(5),
            KeyCode::Char('[') if self.shown > 0 => {
                self.shown -= 1;
                self.scroll = 0;
            }
            KeyCode::Char(']') if !self.at_newest() => {
                self.shown += 1;
                self.scroll = 0;
            }
            KeyCode::Char('[') | KeyCode::Char(']') => self.say("no more versions that way"),
            _ => return self.act(key, sel),
        }
        Action::None
    }

    /// The keys that act on the plan.
    fn act(&mut self, key: KeyEvent, sel: usize) -> Action {
        let on_step = self.tab == Tab::Plan && !self.plan().steps.is_empty();
        if key_is(&key, 'a') {
            if !self.can_change() || !self.clean() {
                return Action::None;
            }
            let v = self.newest();
            return Action::Send(Op::Approve {
                plan_id: v.plan_id.clone(),
                content_hash: v.content_hash.clone(),
            });
        }
        if key.code == KeyCode::Char('E') {
            if !self.can_change() || !self.recorded() {
                return Action::None;
            }
            let text = self
                .edit_text
                .clone()
                .unwrap_or_else(|| text::to_text(&self.crs.acceptance_criteria, self.plan()));
            return Action::Edit(text);
        }
        if key_is(&key, 'x') {
            if !self.can_change() {
                return Action::None;
            }
            return self.prompt(Purpose::Reject);
        }
        if key_is(&key, 'r') {
            if !self.can_change() || !self.recorded() || !self.clean() {
                return Action::None;
            }
            return self.prompt(Purpose::Feedback);
        }
        if key_is(&key, 'c') {
            if !self.can_change() || !self.recorded() {
                return Action::None;
            }
            let target = match self.tab {
                Tab::Plan if on_step => Target::Step(sel),
                Tab::Crs => match self.crs_items().get(sel) {
                    Some(CrsItem::Criterion(i)) => {
                        Target::Criterion(self.crs.acceptance_criteria[*i].id.clone())
                    }
                    Some(CrsItem::Question(i)) => return self.prompt(Purpose::Answer(*i)),
                    _ => {
                        self.refuse("select a step, a criterion or a question to comment on");
                        return Action::None;
                    }
                },
                _ => {
                    self.refuse("select a step, a criterion or a question to comment on");
                    return Action::None;
                }
            };
            return self.prompt(Purpose::Comment(target));
        }
        if self.tab == Tab::Crs {
            if let Some(action) = self.criteria_keys(&key, sel) {
                return action;
            }
        }
        if key_is(&key, 'o') || (key.code == KeyCode::Enter && self.tab == Tab::Crs) {
            if !self.can_change() || !self.recorded() {
                return Action::None;
            }
            let question = match (self.tab, self.crs_items().get(sel)) {
                (Tab::Crs, Some(CrsItem::Question(i))) => Some(*i),
                _ => (0..self.crs.open_questions.len()).find(|i| !self.answered().contains(i)),
            };
            return match question {
                Some(q) => self.prompt(Purpose::Answer(q)),
                None => {
                    self.refuse("the CRS has no open question left to answer");
                    Action::None
                }
            };
        }
        if !on_step {
            if ['l', 'e', 'n', 'd'].iter().any(|c| key_is(&key, *c)) || key.code == KeyCode::Enter {
                self.refuse("steps are changed on the Plan tab (press 1)");
            } else if key_is(&key, 's') || key_is(&key, 'u') {
                return self.edits(key);
            }
            return Action::None;
        }
        if key_is(&key, 'l') {
            if !self.can_change() || !self.recorded() {
                return Action::None;
            }
            if self.working.is_some() {
                self.refuse("submit or drop your edits (s or u) before locking steps");
                return Action::None;
            }
            return Action::Send(Op::Lock { step: sel, locked: !self.locked.contains(&sel) });
        }
        if key_is(&key, 'e') || key.code == KeyCode::Enter {
            if !self.can_change() || !self.unlocked(sel) {
                return Action::None;
            }
            self.mode = Mode::Form(StepForm::of(&self.plan().steps[sel], sel, false));
            return Action::None;
        }
        if key_is(&key, 'n') {
            if !self.can_change() {
                return Action::None;
            }
            let blank = Step { title: String::new(), intent: String::new(), files: vec![], commands: vec![] };
            self.mode = Mode::Form(StepForm::of(&blank, sel + 1, true));
            return Action::None;
        }
        if key_is(&key, 'd') {
            if !self.can_change() || !self.unlocked(sel) {
                return Action::None;
            }
            let mut plan = self.plan().clone();
            let gone = plan.steps.remove(sel);
            self.working = Some(plan);
            self.select(sel);
            self.say(format!("deleted step \"{}\"; press s to submit, u to drop your edits", gone.title));
            return Action::None;
        }
        self.edits(key)
    }

    fn edits(&mut self, key: KeyEvent) -> Action {
        if key_is(&key, 's') {
            if !self.can_change() || !self.recorded() {
                return Action::None;
            }
            let Some(plan) = self.working.clone() else {
                self.say("no edits to submit");
                return Action::None;
            };
            return Action::Send(Op::Replace { plan: Box::new(plan) });
        }
        if key_is(&key, 'u') && self.working.take().is_some() {
            self.problems.clear();
            self.say("your edits are dropped");
        }
        Action::None
    }

    /// Whether the step may change; says why not otherwise.
    fn unlocked(&mut self, step: usize) -> bool {
        // Locks are on the steps of the newest version as recorded.
        let locked = self
            .locked
            .iter()
            .filter_map(|&i| self.newest().plan.steps.get(i))
            .any(|s| self.plan().steps.get(step) == Some(s));
        if locked {
            self.refuse(format!("step {} is locked; press l to unlock it first", step + 1));
        }
        !locked
    }

    fn move_step(&mut self, sel: usize, by: isize) -> Action {
        if self.tab != Tab::Plan || !self.can_change() {
            return Action::None;
        }
        let mut plan = self.plan().clone();
        let Some(to) = sel.checked_add_signed(by).filter(|&t| t < plan.steps.len()) else {
            return Action::None;
        };
        plan.steps.swap(sel, to);
        self.working = Some(plan);
        self.selected[0] = to;
        self.say("moved; press s to submit the plan, u to drop your edits");
        Action::None
    }

    /// Takes in what the pipeline reports.
    pub fn on_event(&mut self, event: &Event) {
        match event {
            Event::PlanReady { tokens, .. } => {
                if let Some(v) = self.versions.last_mut() {
                    v.tokens = v.tokens.or(Some(*tokens));
                }
            }
            Event::StageStarted { stage: Stage::Plan } => {
                self.busy = Some("the model is revising the plan…".into());
            }
            Event::ModelProgress { tokens, retry_in_ms, .. } if self.busy.is_some() => {
                self.busy = Some(match retry_in_ms {
                    Some(ms) => format!("the model is busy; trying again in {}s…", ms.div_ceil(1000)),
                    None => format!("the model is revising the plan… {tokens} tokens"),
                });
            }
            Event::PlanVersion { plan_id, how, plan, content_hash, tokens, .. } => {
                self.busy = None;
                let before = self.newest().plan.clone();
                self.crs_at.push(self.crs.clone());
                self.versions.push(Version {
                    plan_id: Some(plan_id.clone()),
                    plan: (**plan).clone(),
                    content_hash: content_hash.clone(),
                    how: Some(*how),
                    tokens: *tokens,
                    cost_usd: None,
                });
                self.shown = self.versions.len() - 1;
                self.working = None;
                self.problems.clear();
                self.notes.clear();
                self.pending.clear();
                self.locked.clear();
                let n = self.versions.len();
                let (changes, gone) = diff::steps(&before, plan);
                let changed = changes.iter().filter(|c| matches!(c, StepChange::Changed(_))).count();
                let new = changes.iter().filter(|c| **c == StepChange::New).count();
                let mut text = match how {
                    ReviewKind::Edit => format!("your edit is saved as v{n}"),
                    _ => format!("v{n} is here"),
                };
                text.push_str(&format!(": {changed} step(s) changed ~, {new} new +"));
                if !gone.is_empty() {
                    let titles: Vec<String> =
                        gone.iter().map(|&i| format!("\"{}\"", before.steps[i].title)).collect();
                    text.push_str(&format!(", removed {}", titles.join(", ")));
                }
                self.say(text);
            }
            Event::CriteriaVersion { plan_id, crs, plan, content_hash, problems, .. } => {
                self.busy = None;
                self.versions.push(Version {
                    plan_id: Some(plan_id.clone()),
                    plan: (**plan).clone(),
                    content_hash: content_hash.clone(),
                    how: Some(ReviewKind::Edit),
                    tokens: None,
                    cost_usd: None,
                });
                self.shown = self.versions.len() - 1;
                self.crs = (**crs).clone();
                self.crs_at.push(self.crs.clone());
                self.working = None;
                self.notes.clear();
                self.pending.clear();
                self.problems = problems.clone();
                self.select(self.selection());
                let n = self.versions.len();
                if let Some((_, Some(plan))) = self.after_criteria.take() {
                    // The plan of the same editor session goes on top of the new criteria.
                    self.working = Some(plan.clone());
                    self.say(format!("the criteria are saved as v{n}; submitting your edit of the plan…"));
                    self.queued = Some(Op::Replace { plan: Box::new(plan) });
                } else if problems.is_empty() {
                    self.say(format!("the criteria are saved as v{n}; every criterion has a check"));
                } else {
                    self.refuse(format!(
                        "criteria saved as v{n}; the plan's checks no longer match ({} below): r regenerate · E edit",
                        problems.len()
                    ));
                }
            }
            Event::ReviewNoted { kind, target, .. } => {
                let target = target.clone().unwrap_or_default();
                match kind {
                    ReviewKind::Lock | ReviewKind::Unlock => {
                        let Some(i) = target.strip_prefix('S').and_then(|n| n.parse::<usize>().ok()) else {
                            return;
                        };
                        let i = i.saturating_sub(1);
                        self.locked.retain(|&l| l != i);
                        if *kind == ReviewKind::Lock {
                            self.locked.push(i);
                            self.locked.sort_unstable();
                            self.say(format!("step {} locked: a revision keeps it word for word", i + 1));
                        } else {
                            self.say(format!("step {} unlocked", i + 1));
                        }
                    }
                    _ => {
                        if let Some(p) =
                            self.pending.iter().position(|n| n.kind == *kind && n.target == target)
                        {
                            let note = self.pending.remove(p);
                            self.say(format!("noted on {}; the next revision reads it", note.target));
                            self.notes.push(note);
                        }
                    }
                }
            }
            Event::EditRefused { problems, plan } => {
                self.problems = problems.clone();
                let text = text::to_text(&self.crs.acceptance_criteria, plan);
                self.edit_text = Some(text::engine_problems(&text, problems));
                self.working = Some((**plan).clone());
                self.refuse(format!("the edit was not saved: {} problem(s), listed below", problems.len()));
            }
            Event::ReviewFailed { message, hint } => {
                self.busy = None;
                self.pending.clear();
                let mut text = match hint {
                    Some(h) => format!("{message} ({h})"),
                    None => message.clone(),
                };
                // The editor's text is kept for the next `E`.
                if let Some((kept, _)) = self.after_criteria.take() {
                    self.edit_text = Some(kept);
                    text.push_str("; your text is kept: press E to fix it");
                }
                self.refuse(text);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::crs::AcceptanceCriterion;
    use crate::plan::{Complexity, TestCheck};

    pub(crate) fn crs() -> Crs {
        let ac = |id: &str, d: &str, v: &str| AcceptanceCriterion {
            id: id.into(),
            description: d.into(),
            verification: v.into(),
        };
        Crs {
            summary: "Add a --verbose flag that prints what the tool does".into(),
            goals: vec!["A --verbose flag".into(), "Details on stderr".into()],
            non_goals: vec!["Log files".into()],
            constraints: vec!["Output without the flag stays the same".into()],
            acceptance_criteria: vec![
                ac("AC1", "--verbose prints each file it reads", "cargo test verbose"),
                ac("AC2", "The README documents the flag", "read the README"),
                ac("AC3", "Without --verbose nothing new is printed", "compare outputs"),
            ],
            affected_areas: vec!["src/cli.rs".into(), "src/main.rs".into()],
            risks: vec!["Output that scripts parse could change".into()],
            open_questions: vec!["Should -v also be accepted?".into()],
        }
    }

    pub(crate) fn plan() -> Plan {
        let f = |p: &str, action| FileAction { path: p.into(), action };
        Plan {
            summary: "Add --verbose and print details on stderr".into(),
            steps: vec![
                Step {
                    title: "Add the flag".into(),
                    intent: "Declare --verbose in the argument parser".into(),
                    files: vec![f("src/cli.rs", FileOp::Modify)],
                    commands: vec![],
                },
                Step {
                    title: "Print details when verbose".into(),
                    intent: "Each file read is reported on stderr when the flag is on".into(),
                    files: vec![f("src/main.rs", FileOp::Modify), f("src/cli.rs", FileOp::Read)],
                    commands: vec!["cargo build".into()],
                },
                Step {
                    title: "Document it".into(),
                    intent: "Describe the flag in the README".into(),
                    files: vec![f("README.md", FileOp::Modify)],
                    commands: vec![],
                },
            ],
            testing_strategy: vec![
                TestCheck {
                    command: "cargo test verbose".into(),
                    proves: "the flag prints each file".into(),
                    criteria: vec!["AC1".into()],
                },
                TestCheck {
                    command: "grep -q verbose README.md".into(),
                    proves: "the README mentions it".into(),
                    criteria: vec!["AC2".into()],
                },
            ],
            complexity: Complexity::Low,
            confidence: 0.8,
            estimated_files_changed: 3,
            needs_network: false,
        }
    }

    pub(crate) fn app() -> ReviewApp {
        let plan = plan();
        let content_hash = crate::plan::content_hash(&plan);
        ReviewApp::new(
            crs(),
            Version {
                plan_id: Some("p1".into()),
                plan,
                content_hash,
                how: None,
                tokens: Some(1234),
                cost_usd: Some(0.0042),
            },
        )
    }

    pub(crate) fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    /// The engine's answer to removing AC2: version p2 with a new spec, and `problem` with
    /// the plan's checks against it.
    pub(crate) fn criteria_version_without_ac2(a: &mut ReviewApp, problem: &str) {
        let mut crs = a.crs.clone();
        crs.acceptance_criteria.remove(1);
        a.on_event(&criteria_version(crs, a.plan().clone(), &[problem]));
    }

    /// The engine's answer to a criteria edit: version p2 (after p1) with the spec `crs`
    /// (recorded as c2), the plan unchanged, and `problems` with its checks against it.
    pub(crate) fn criteria_version(
        crs: crate::crs::Crs,
        plan: crate::plan::Plan,
        problems: &[&str],
    ) -> Event {
        Event::CriteriaVersion {
            plan_id: "p2".into(),
            parent_id: Some("p1".into()),
            crs_id: "c2".into(),
            crs: Box::new(crs),
            content_hash: crate::plan::content_hash(&plan),
            plan: Box::new(plan),
            problems: problems.iter().map(|p| p.to_string()).collect(),
        }
    }

    pub(crate) fn press(app: &mut ReviewApp, keys: &str) -> Vec<Action> {
        keys.chars()
            .map(|c| {
                let code = match c {
                    '\n' => KeyCode::Enter,
                    '\t' => KeyCode::Tab,
                    '\x1b' => KeyCode::Esc,
                    c => KeyCode::Char(c),
                };
                app.handle_key(key(code))
            })
            .filter(|a| *a != Action::None)
            .collect()
    }

    #[test]
    fn approve_names_the_version_and_its_content() {
        let mut a = app();
        let hash = a.versions[0].content_hash.clone();
        assert_eq!(
            press(&mut a, "a"),
            [Action::Send(Op::Approve { plan_id: Some("p1".into()), content_hash: hash })]
        );
        assert_eq!(press(&mut a, "q"), [Action::Quit]);
    }

    #[test]
    fn reject_asks_for_a_reason() {
        let mut a = app();
        assert_eq!(
            press(&mut a, "xtoo broad\n"),
            [Action::Send(Op::Reject { reason: Some("too broad".into()) })]
        );
        assert_eq!(press(&mut a, "x\n"), [Action::Send(Op::Reject { reason: None })]);
        // Esc drops the prompt, and the next key acts again.
        assert_eq!(
            press(&mut a, "xno\x1ba"),
            [Action::Send(Op::Approve {
                plan_id: Some("p1".into()),
                content_hash: a.versions[0].content_hash.clone()
            })]
        );
    }

    #[test]
    fn comment_and_lock_the_selected_step_then_see_them_confirmed() {
        let mut a = app();
        assert_eq!(
            press(&mut a, "jcsay which files\n"),
            [Action::Send(Op::Comment { target: Target::Step(1), text: "say which files".into() })]
        );
        assert!(a.notes.is_empty());
        a.on_event(&Event::ReviewNoted {
            plan_id: "p1".into(),
            kind: ReviewKind::Comment,
            target: Some("S2".into()),
        });
        assert_eq!(a.notes[0].text, "say which files");
        assert_eq!(press(&mut a, "l"), [Action::Send(Op::Lock { step: 1, locked: true })]);
        a.on_event(&Event::ReviewNoted {
            plan_id: "p1".into(),
            kind: ReviewKind::Lock,
            target: Some("S2".into()),
        });
        assert_eq!(a.locked, [1]);
        assert_eq!(press(&mut a, "l"), [Action::Send(Op::Lock { step: 1, locked: false })]);
        // A locked step cannot be edited or deleted.
        assert!(press(&mut a, "d").is_empty());
        assert!(a.status.as_ref().unwrap().text.contains("locked"));
        assert!(a.working.is_none());
    }

    #[test]
    fn answer_an_open_question_and_comment_on_a_criterion() {
        let mut a = app();
        assert_eq!(
            press(&mut a, "oyes, -v too\n"),
            [Action::Send(Op::Answer { question: 0, text: "yes, -v too".into() })]
        );
        a.on_event(&Event::ReviewNoted {
            plan_id: "p1".into(),
            kind: ReviewKind::Answer,
            target: Some("Q1".into()),
        });
        assert_eq!(a.answered(), [0]);
        assert!(!a.focus().contains(&Focus::Question(0)));
        // The CRS tab: Summary, Goals, Non-goals, Constraints, AC1…
        assert_eq!(
            press(&mut a, "2jjjjjcname the test\n"),
            [Action::Send(Op::Comment {
                target: Target::Criterion("AC2".into()),
                text: "name the test".into()
            })]
        );
    }

    #[test]
    fn steps_are_edited_added_deleted_and_moved_then_submitted() {
        let mut a = app();
        // Edit step 1's title: clear the field, type a new one.
        press(&mut a, "e");
        a.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        press(&mut a, "Add a --verbose flag\n");
        assert_eq!(a.plan().steps[0].title, "Add a --verbose flag");
        // Add a step after it, with files and commands.
        press(&mut a, "nCheck output\tCompare runs\tcreate tests/verbose.rs, read src/main.rs\tcargo test ;; cargo run\n");
        let added = &a.plan().steps[1];
        assert_eq!(added.title, "Check output");
        assert_eq!(added.files.len(), 2);
        assert_eq!(added.commands, ["cargo test", "cargo run"]);
        assert_eq!(a.marks(), [Mark::Changed, Mark::New, Mark::Same, Mark::Same]);
        // Move it down, delete the last one.
        press(&mut a, "J");
        assert_eq!(a.plan().steps[2].title, "Check output");
        press(&mut a, "Gd");
        assert_eq!(a.plan().steps.len(), 3);
        // Approving or regenerating with edits pending is refused.
        assert!(press(&mut a, "a").is_empty());
        assert!(press(&mut a, "r").is_empty());
        let sent = press(&mut a, "s");
        let [Action::Send(Op::Replace { plan })] = sent.as_slice() else { panic!("{sent:?}") };
        assert_eq!(
            plan.steps.iter().map(|s| s.title.as_str()).collect::<Vec<_>>(),
            ["Add a --verbose flag", "Print details when verbose", "Check output"]
        );
        // Refused: the problems show, the edit stays.
        a.on_event(&Event::EditRefused { problems: vec!["$.steps[2]: bad".into()], plan: plan.clone() });
        assert_eq!(a.problems.len(), 1);
        assert_eq!(a.plan(), &**plan);
        press(&mut a, "u");
        assert!(a.working.is_none());
    }

    #[test]
    fn a_bad_file_list_keeps_the_form_open() {
        let mut a = app();
        press(&mut a, "e\t\t");
        a.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        press(&mut a, "change src/x.rs\n");
        let Mode::Form(f) = &a.mode else { panic!("{:?}", a.mode) };
        assert!(f.error.as_ref().unwrap().contains("read|create|modify|delete"));
        press(&mut a, "\x1b");
        assert_eq!(a.mode, Mode::Normal);
        assert!(a.working.is_none());
    }

    #[test]
    fn regenerate_then_move_between_versions() {
        let mut a = app();
        assert_eq!(
            press(&mut a, "rsplit step 2\n"),
            [Action::Send(Op::Revise { feedback: "split step 2".into() })]
        );
        assert!(a.busy.is_some());
        assert!(press(&mut a, "a").is_empty(), "no approval while the model writes");
        let mut p = plan();
        p.steps[1].intent = "Report each file read on stderr".into();
        p.steps.push(Step {
            title: "Test it".into(),
            intent: "A test".into(),
            files: vec![],
            commands: vec![],
        });
        a.on_event(&Event::PlanVersion {
            plan_id: "p2".into(),
            parent_id: Some("p1".into()),
            how: ReviewKind::Revise,
            content_hash: crate::plan::content_hash(&p),
            plan: Box::new(p.clone()),
            tokens: Some(900),
        });
        assert!(a.busy.is_none());
        assert_eq!(a.shown, 1);
        assert_eq!(a.marks(), [Mark::Same, Mark::Changed, Mark::Same, Mark::New]);
        press(&mut a, "[");
        assert_eq!(a.shown, 0);
        assert!(press(&mut a, "a").is_empty(), "only the newest version is approved");
        press(&mut a, "]");
        let sent = press(&mut a, "a");
        assert_eq!(
            sent,
            [Action::Send(Op::Approve {
                plan_id: Some("p2".into()),
                content_hash: crate::plan::content_hash(&p)
            })]
        );
    }

    #[test]
    fn criteria_are_added_edited_and_deleted_on_the_crs_tab() {
        let mut a = app();
        // Summary, Goals, Non-goals, Constraints, AC1: edit its verification.
        press(&mut a, "2jjjje\t");
        a.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert_eq!(
            press(&mut a, "cargo test verbose_lists_files\n"),
            [Action::Send(Op::EditCriteria {
                edits: vec![CriterionEdit::Change {
                    id: "AC1".into(),
                    description: "--verbose prints each file it reads".into(),
                    verification: "cargo test verbose_lists_files".into(),
                }]
            })]
        );
        assert_eq!(
            press(&mut a, "j\x64"),
            [Action::Send(Op::EditCriteria { edits: vec![CriterionEdit::Remove { id: "AC2".into() }] })]
        );
        // A new one needs both fields.
        press(&mut a, "n-v works too\n");
        let Mode::Criterion(f) = &a.mode else { panic!("{:?}", a.mode) };
        assert!(f.error.as_ref().unwrap().contains("verify"));
        assert_eq!(
            press(&mut a, "\tcargo test alias\n"),
            [Action::Send(Op::EditCriteria {
                edits: vec![CriterionEdit::Add {
                    description: "-v works too".into(),
                    verification: "cargo test alias".into()
                }]
            })]
        );
        // On a goal, e and d say what they act on.
        press(&mut a, "g");
        assert!(press(&mut a, "d").is_empty());
        assert!(a.status.as_ref().unwrap().text.contains("select an acceptance criterion"));
        // The new version arrives with the plan's problems against it.
        criteria_version_without_ac2(
            &mut a,
            "$.testing_strategy[1].criteria: AC2 is not an acceptance criterion",
        );
        assert_eq!((a.versions.len(), a.shown), (2, 1));
        assert_eq!(a.crs.acceptance_criteria.len(), 2);
        // Each version shows the criteria it was made with.
        press(&mut a, "[");
        assert_eq!(a.crs_shown().acceptance_criteria.len(), 3);
        press(&mut a, "]");
        assert_eq!(a.crs_shown().acceptance_criteria.len(), 2);
        assert_eq!(a.problems.len(), 1);
        assert!(a.status.as_ref().unwrap().text.contains("r regenerate"));
    }

    #[test]
    fn the_wheel_moves_the_selection_but_not_under_a_form() {
        let mut a = app();
        let wheel = |kind| MouseEvent { kind, column: 10, row: 10, modifiers: KeyModifiers::NONE };
        a.handle_mouse(wheel(MouseEventKind::ScrollDown));
        a.handle_mouse(wheel(MouseEventKind::ScrollDown));
        a.handle_mouse(wheel(MouseEventKind::ScrollDown));
        assert_eq!(a.selection(), 2, "it stops at the last step");
        a.handle_mouse(wheel(MouseEventKind::ScrollUp));
        assert_eq!(a.selection(), 1);
        press(&mut a, "e");
        a.handle_mouse(wheel(MouseEventKind::ScrollUp));
        assert_eq!(a.selection(), 1);
    }

    #[test]
    fn an_unrecorded_plan_can_only_be_approved_or_rejected() {
        let mut a = app();
        a.versions[0].plan_id = None;
        assert!(press(&mut a, "r").is_empty());
        assert!(press(&mut a, "l").is_empty());
        assert!(a.status.as_ref().unwrap().text.contains("not recorded"));
        assert_eq!(press(&mut a, "a").len(), 1);
    }

    /// The text `E` opens for the test plan, as the editor hands it back.
    fn editor_text(a: &mut ReviewApp) -> String {
        match press(a, "E").as_slice() {
            [Action::Edit(text)] => text.clone(),
            other => panic!("E opens the editor: {other:?}"),
        }
    }

    #[test]
    fn criteria_edited_in_the_text_are_saved_as_the_crs_tab_saves_them() {
        let mut a = app();
        let text = editor_text(&mut a);
        assert!(
            text.contains("## Criterion: AC3\ncondition: Without --verbose nothing new is printed\n"),
            "{text}"
        );
        // Only a criterion changed: the same operation as the CRS tab's `e`.
        let after = text.replace("verify by: compare outputs", "verify by: diff the outputs");
        let sent = a.edited(&text, after);
        assert_eq!(
            sent,
            Action::Send(Op::EditCriteria {
                edits: vec![CriterionEdit::Change {
                    id: "AC3".into(),
                    description: "Without --verbose nothing new is printed".into(),
                    verification: "diff the outputs".into(),
                }]
            })
        );
        // The new version carries problems (a criterion without a check): approval is the
        // pipeline's to refuse, and nothing else is sent.
        criteria_version_without_ac2(&mut a, "$.testing_strategy: AC3 is not covered by any check");
        assert_eq!(a.follow_up(), None);
        assert!(a.status.as_ref().unwrap().text.contains("no longer match"), "{:?}", a.status);
    }

    #[test]
    fn a_new_criterion_and_its_check_in_the_text_go_in_as_criteria_then_the_plan() {
        let mut a = app();
        let text = editor_text(&mut a);
        let after = text.replace("criteria: AC2\n", "criteria: AC2, AC8\n")
            + "\n## Criterion: AC8\ncondition: -v is an alias\nverify by: cargo test alias\n";
        let sent = a.edited(&text, after.clone());
        assert_eq!(
            sent,
            Action::Send(Op::EditCriteria {
                edits: vec![CriterionEdit::Add {
                    description: "-v is an alias".into(),
                    verification: "cargo test alias".into()
                }]
            })
        );
        assert_eq!(a.follow_up(), None, "the plan waits for the criteria");
        let mut crs = a.crs.clone();
        crs.acceptance_criteria.push(crate::crs::AcceptanceCriterion {
            id: "AC4".into(),
            description: "-v is an alias".into(),
            verification: "cargo test alias".into(),
        });
        let problem = "$.testing_strategy: AC4 is not covered by any check";
        a.on_event(&criteria_version(crs, a.plan().clone(), &[problem]));
        // The check names the new criterion by the id it was given.
        let Some(Op::Replace { plan }) = a.follow_up() else { panic!("the plan follows the criteria") };
        assert_eq!(plan.testing_strategy[1].criteria, ["AC2", "AC4"]);
        assert_eq!(a.follow_up(), None);
        // Had saving the criteria failed, the text would be kept for the next `E`.
        let mut b = app();
        let text = editor_text(&mut b);
        b.edited(&text, after.clone());
        b.on_event(&Event::ReviewFailed { message: "the store is locked".into(), hint: None });
        assert_eq!(b.follow_up(), None);
        assert_eq!(editor_text(&mut b), after);
        assert!(b.status.as_ref().unwrap().text.contains("your text is kept"), "{:?}", b.status);
    }
}
