// @ts-check
// The window's filing desk (一窗受理) and the supervision post's desk (督查督办), inside the
// staff page: the same sign-in, roles and audit as the rest of it. Everything shown comes from
// the lifecycle endpoints; the applicant appears only as the masked ID number.
import { state } from './state.js';
import { t, lt } from './text.js';
import { h, add, button, heading, problemBox, announce, valueOf, inputs } from './dom.js';
import { api } from './api.js';
import { screens, show, render, act } from './screen.js';
import { onEvent } from './events.js';
import { staffActions, onSignInOrOut } from './staff.js';

const TABS = { waiting: 'submitted,received', working: 'accepted,inProgress', returned: 'returned', finished: 'completed' };
const desk = { department: '', tab: 'waiting', queue: null, filing: null, message: null, window: 'A1' };
const supervision = { department: '', desk: null, month: null, report: null, html: null, message: null };

// An ID number in what the filing answered is shown as the receipts print it.
function masked(value) {
  if (typeof value === 'string') return /^\d{17}[\dXx]$/.test(value) ? value.slice(0, 6) + '********' + value.slice(14) : value;
  if (Array.isArray(value)) return value.map(masked);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v)]));
  return value;
}
function shown(value) {
  const plain = masked(value);
  if (typeof plain === 'boolean') return plain ? t('yes') : t('no');
  if (plain && typeof plain === 'object') return Array.isArray(plain) && plain.every((v) => typeof v !== 'object')
    ? plain.join(', ') : JSON.stringify(plain);
  return String(plain);
}
function stateText(code) { return t('filingStates')[code] || code; }
function message(text) {
  return text ? h('p', { class: 'notice-ok', role: 'status', id: 'desk-message' }, text) : null;
}
function departments() {
  const seen = new Map();
  for (const form of state.forms) if (!seen.has(form.departmentId)) seen.set(form.departmentId, lt(form.department));
  return [...seen];
}

// ---- the window's desk --------------------------------------------------------------------
async function loadQueue() {
  const query = new URLSearchParams({ states: TABS[desk.tab] });
  if (desk.department) query.set('department', desk.department);
  desk.queue = await api('GET', '/v1/desk/queue?' + query, undefined, { staff: true });
  render(false);
}

screens.desk = (root) => {
  if (!state.staff) return screens['staff-signin'](root);
  add(root, heading(t('deskTitle')), problemBox(state.problem), message(desk.message), staffActions());
  const department = h('select', { id: 'desk-department', onchange: (event) => {
    desk.department = event.target.value;
    desk.queue = null;
    render(false);
  } }, h('option', { value: '' }, t('allDepartments')),
  departments().map(([id, name]) => h('option', { value: id, selected: desk.department === id }, name)));
  add(root, h('div', { class: 'field' }, h('label', { for: 'desk-department' }, t('department')), department),
    h('div', { class: 'actions', role: 'tablist' }, Object.keys(TABS).map((tab) => button(t('deskTabs')[tab], () => {
      desk.tab = tab;
      desk.queue = null;
      render(false);
    }, { role: 'tab', 'aria-selected': String(desk.tab === tab), class: desk.tab === tab ? 'primary' : '', 'data-tab': tab }))));
  if (!desk.queue) { act(loadQueue); return; }
  const cases = desk.queue.cases;
  if (!cases.length) add(root, h('p', { id: 'desk-empty' }, t('noCases')));
  add(root, h('div', { class: 'tiles', id: 'desk-cases' }, cases.map((item) => button([
    `${item.reference}${item.part ? ' · ' + item.part : ''}`,
    h('span', { class: 'sub' }, `${lt(item.matter)} · ${lt(item.department)}`),
    h('span', { class: 'sub' }, (item.state === 'submitted' ? '' : stateText(item.state) + ' · ')
      + t('submittedAt', new Date(item.submittedAt).toLocaleString())),
    item.dueDate ? h('span', { class: 'sub' }, t('dueOn', item.dueDate)) : null,
    item.warning !== 'none' ? h('span', { class: 'tag lamp-' + item.warning }, t('lamps')[item.warning]) : null,
  ], () => act(() => openFiling(item.reference)), { class: 'tile', 'data-reference': item.reference, 'data-state': item.state }))));
  if (desk.queue.reminders.length) {
    add(root, h('section', { class: 'panel', id: 'desk-reminders' }, h('h2', {}, t('deferralReminders')),
      h('ul', {}, desk.queue.reminders.map((item) => h('li', { 'data-reference': item.reference },
        button(`${item.reference} · ${lt(item.name)} · ${t('dueOn', item.dueDate)}${item.overdue ? ' · ' + t('lamps').red : ''}`,
          () => act(() => openFiling(item.reference)), { class: 'plain' }))))));
  }
};

async function openFiling(reference) {
  desk.filing = await api('GET', `/v1/filings/${encodeURIComponent(reference)}`, undefined, { staff: true });
  desk.message = null;
  show('desk-filing');
}

// One step of the window on the open filing; the desk shows the record as it now stands.
async function step(path, body, done) {
  const reference = desk.filing.reference;
  await api('POST', `/v1/filings/${encodeURIComponent(reference)}/${path}`, body, { staff: true });
  desk.filing = await api('GET', `/v1/filings/${encodeURIComponent(reference)}`, undefined, { staff: true });
  desk.queue = null;
  desk.message = done;
  render(false);
  announce(done);
}

async function printNotice(part) {
  const printed = await api('POST', `/v1/filings/${encodeURIComponent(desk.filing.reference)}/notice`, part ? { part } : {}, { staff: true });
  desk.message = printed.state === 'printed' ? t('noticePrintedDesk')
    : t('noticeNotPrintedDesk', t('printReasons')[printed.reason || printed.state] || printed.reason || printed.state);
  render(false);
  announce(desk.message);
}

screens['desk-filing'] = (root) => {
  if (!state.staff) return screens['staff-signin'](root);
  const filing = desk.filing;
  if (!filing) return show('desk');
  add(root, heading(`${filing.reference} · ${lt(filing.title)}`), problemBox(state.problem), message(desk.message),
    add(staffActions(), button(t('backToQueue'), () => { desk.message = null; show('desk'); }, { id: 'back-to-queue' })),
    h('dl', { class: 'review-section', id: 'desk-facts' },
      h('dt', {}, t('department')), h('dd', {}, lt(filing.department)),
      h('dt', {}, t('applicantId')), h('dd', { id: 'desk-applicant' }, filing.applicantMasked || '—'),
      h('dt', {}, t('version')), h('dd', {}, String(filing.version)),
      h('dt', {}, t('status')), h('dd', { id: 'desk-state' }, stateText(filing.state))));
  // The paper to check: what the citizen said they hand over, defer or replace by a commitment.
  const materials = h('section', { class: 'panel', id: 'desk-materials' }, h('h2', {}, t('materialsToCheck')));
  if (!filing.materials) add(materials, h('p', {}, t('filingNotKept')));
  else add(materials, h('ul', {}, filing.materials.map((m) => h('li', { 'data-material': m.materialID },
    h('strong', {}, lt(m.name)), ' · ', t('materialStatuses')[m.status] || m.status))));
  for (const deferral of filing.deferrals) {
    add(materials, h('div', { class: 'terms', 'data-deferral': deferral.materialID },
      h('p', {}, `${lt(deferral.name)} · ${t('dueOn', deferral.dueDate)} · ${t('deferralStates')[deferral.state] || deferral.state}`),
      deferral.state === 'open' || deferral.state === 'handedIn' ? button(t('paperReceived'), () => act(() =>
        step(`deferred/${encodeURIComponent(deferral.materialID)}/received`, undefined, t('paperReceivedDone', lt(deferral.name)))),
      { class: 'deferral-received' }) : null));
  }
  for (const commitment of filing.commitments) {
    add(materials, h('div', { class: 'terms', 'data-commitment': commitment.materialID },
      h('p', {}, `${lt(commitment.name)} · ${t('commitmentStates')[commitment.state] || commitment.state}`),
      commitment.state === 'pending' ? h('div', { class: 'actions' }, ['verified', 'falseCommitment'].map((verdict) =>
        button(t('commitmentStates')[verdict], () => act(() => step(`commitments/${encodeURIComponent(commitment.materialID)}`,
          { verdict, note: valueOf('desk-note').trim() }, t('commitmentStates')[verdict])),
        { class: verdict === 'falseCommitment' ? 'danger' : '', 'data-verdict': verdict }))) : null));
  }
  add(root, materials);
  if (filing.answers) {
    add(root, h('details', { class: 'panel', id: 'desk-answers' }, h('summary', {}, t('answersTitle')),
      h('dl', {}, Object.entries(filing.answers).map(([key, value]) => [h('dt', {}, key), h('dd', {}, shown(value))]))));
  }
  add(root, h('div', { class: 'field' }, h('label', { for: 'desk-note' }, t('deskNote')),
    h('input', { id: 'desk-note', autocomplete: 'off', maxlength: '500' })));
  for (const item of filing.cases) add(root, casePanel(filing, item));
};

// What the window can do with one case now, by its state.
function casePanel(filing, item) {
  const part = item.part || undefined;
  const withPart = (body) => Object.assign(part ? { part } : {}, body);
  const note = () => valueOf('desk-note').trim();
  const panel = h('section', { class: 'panel case', 'data-part': item.part, 'data-state': item.state },
    h('h2', {}, `${lt(item.matter)} · ${stateText(item.state)}`),
    item.clock ? h('p', { class: 'case-due' }, t('dueOn', item.clock.dueDate)) : null);
  const actions = h('div', { class: 'actions' });
  const accept = () => {
    const window_ = h('input', { id: 'desk-window', value: desk.window, autocomplete: 'off', oninput: (e) => { desk.window = e.target.value.trim(); } });
    return [h('div', { class: 'field' }, h('label', { for: 'desk-window' }, t('window')), window_),
      h('div', { class: 'actions' }, button(t('acceptAction'), () => act(() =>
        step('accept', withPart({ window: desk.window }), t('deskDone', stateText('accepted')))), { class: 'primary', id: 'accept-filing' }))];
  };
  const returnForm = () => h('fieldset', { class: 'return-form' }, h('legend', {}, t('returnAction')),
    h('div', { class: 'choices' }, filing.returnReasons.map((reason) => h('label', { class: 'choice' },
      h('input', { type: 'checkbox', name: 'return-reason', value: reason.code }), lt(reason.label)))),
    h('div', { class: 'actions' }, button(t('returnAction'), () => act(() => {
      const reasons = inputs('input[name=return-reason]:checked').map((input) => input.value);
      return step('return', withPart({ reasons, note: note() }), t('deskDone', stateText('returned')));
    }), { class: 'danger', id: 'return-filing' })));
  switch (item.state) {
    case 'submitted':
      add(actions, button(t('receiveAction'), () => act(() => step('receive', withPart({}), t('deskDone', stateText('received')))), { id: 'receive-filing' }));
      add(panel, actions, accept(), returnForm());
      break;
    case 'received':
      add(panel, accept(), returnForm());
      break;
    case 'accepted':
      add(actions, button(t('printAcceptance'), () => act(() => printNotice(part)), { id: 'print-decision-notice' }),
        button(t('startAction'), () => act(() => step('start', withPart({}), t('deskDone', stateText('inProgress')))), { class: 'primary', id: 'start-filing' }));
      add(panel, actions, returnForm());
      break;
    case 'inProgress': {
      const outcome = (value) => h('label', { class: 'choice' },
        h('input', { type: 'radio', name: 'outcome', value, checked: value === 'approved' }), t('outcomes')[value]);
      add(actions, button(t('printAcceptance'), () => act(() => printNotice(part)), { id: 'print-decision-notice' }));
      add(panel, actions, h('fieldset', {}, h('legend', {}, t('completeAction')),
        h('div', { class: 'choices' }, outcome('approved'), outcome('refused')),
        h('div', { class: 'field' }, h('label', { for: 'complete-document' }, t('documentLabel')),
          h('input', { id: 'complete-document', autocomplete: 'off' })),
        h('div', { class: 'field' }, h('label', { for: 'complete-collect-at' }, t('collectAtLabel')),
          h('input', { id: 'complete-collect-at', autocomplete: 'off' })),
        h('div', { class: 'actions' }, button(t('completeAction'), () => act(() => {
          const body = withPart({ outcome: inputs('input[name=outcome]:checked')[0].value, note: note() });
          const documentName = valueOf('complete-document').trim();
          const collectAt = valueOf('complete-collect-at').trim();
          if (documentName) body.document = documentName;
          if (collectAt) body.collectAt = collectAt;
          return step('complete', body, t('deskDone', stateText('completed')));
        }), { class: 'primary', id: 'complete-filing' }))));
      break;
    }
    case 'returned':
      add(panel, item.lastReturn ? h('p', { class: 'case-return' }, item.lastReturn.reasons.map((code) => {
        const reason = filing.returnReasons.find((r) => r.code === code);
        return reason ? lt(reason.label) : code;
      }).join(t('listSeparator')), item.lastReturn.note ? ' · ' + item.lastReturn.note : '') : null,
      h('div', { class: 'actions' }, button(t('printReturn'), () => act(() => printNotice(part)), { id: 'print-decision-notice' })));
      break;
    case 'completed':
      add(panel, item.completion ? h('p', { class: 'case-result' }, [t('outcomes')[item.completion.outcome],
        item.completion.document, item.completion.collectAt].filter(Boolean).join(' · ')) : null,
      h('div', { class: 'actions' }, button(t('collectAction'), () => act(() =>
        step('collect', withPart({}), t('deskDone', stateText('collected')))), { class: 'primary', id: 'collect-filing' })));
      break;
    default:
      break;
  }
  return panel;
}

// ---- the supervision post -------------------------------------------------------------------
async function loadSupervision() {
  supervision.desk = await api('GET', '/v1/supervision/desk' + departmentQuery('?'), undefined, { staff: true });
  if (!supervision.month) supervision.month = supervision.desk.today.slice(0, 7);
  render(false);
}

function departmentQuery(separator) {
  return supervision.department ? `${separator}department=${encodeURIComponent(supervision.department)}` : '';
}

async function followUp(reference, path, done) {
  const note = valueOf('supervision-note').trim();
  await api('POST', `/v1/filings/${encodeURIComponent(reference)}/${path}`, { note }, { staff: true });
  supervision.message = done;
  supervision.desk = null;
  announce(done);
  await loadSupervision();
}

function listSection(id, title, items, draw) {
  return h('section', { class: 'panel', id }, h('h2', {}, `${title} (${items.length})`),
    items.length ? h('ul', {}, items.map(draw)) : h('p', {}, t('noneListed')));
}

screens.supervision = (root) => {
  if (!state.staff) return screens['staff-signin'](root);
  add(root, heading(t('supervisionTitle')), problemBox(state.problem), message(supervision.message), staffActions());
  if (!supervision.desk) { act(loadSupervision); return; }
  const view = supervision.desk;
  add(root, h('div', { class: 'field' }, h('label', { for: 'supervision-department' }, t('department')),
    h('select', { id: 'supervision-department', onchange: (event) => {
      Object.assign(supervision, { department: event.target.value, desk: null, report: null, html: null });
      render(false);
    } }, h('option', { value: '' }, t('allDepartments')),
    departments().map(([id, name]) => h('option', { value: id, selected: supervision.department === id }, name)))));
  add(root, h('p', { class: 'big-code', id: 'supervision-counts' }, t('overdueCounts', view.overdueCount, view.nearlyOverdueCount)),
    h('div', { class: 'field' }, h('label', { for: 'supervision-note' }, t('supervisionNote')),
      h('input', { id: 'supervision-note', autocomplete: 'off', maxlength: '500' })));
  add(root, listSection('supervision-deadlines', t('deadlinesTitle'), view.deadlines, (item) => h('li', { 'data-reference': item.reference, class: 'lamp-' + item.warning },
    h('span', { class: 'tag lamp-' + item.warning }, t('lamps')[item.warning] || item.warning), ' ',
    `${item.reference} · ${lt(item.matter)} · ${lt(item.department)} · ${t('dueOn', item.dueDate)}`, ' ',
    button(t('urgeAction'), () => act(() => followUp(item.reference, 'urge', t('urged', item.reference))), { class: 'urge' }))));
  add(root, listSection('supervision-bad-ratings', t('badRatingsTitle'), view.badRatings, (item) => {
    const entry = (label, on) => h('span', { class: 'tag' }, `${label}: ${on || t('notYet')}`);
    return h('li', { 'data-reference': item.reference, class: 'bad-rating' + (item.overdue ? ' lamp-red' : '') },
      h('p', {}, h('strong', {}, item.reference), ` · ${t('grades')[item.grade] || item.grade} · ${t('ratedOn', item.ratedOn)} · ${t('followUpDue', item.dueDate)}`,
        item.overdue ? h('span', { class: 'tag lamp-red' }, t('followUpOverdue')) : null),
      h('p', {}, entry(t('callback'), item.callbackOn), ' ', entry(t('rectification'), item.rectificationOn), ' ', entry(t('closed'), item.closedOn)),
      item.closedOn ? null : h('div', { class: 'actions' },
        button(t('recordCallback'), () => act(() => followUp(item.reference, 'follow-up/callback', t('recorded', t('callback')))), { class: 'record-callback' }),
        button(t('recordRectification'), () => act(() => followUp(item.reference, 'follow-up/rectification', t('recorded', t('rectification')))), { class: 'record-rectification' }),
        button(t('closeFollowUp'), () => act(() => followUp(item.reference, 'follow-up/close', t('recorded', t('closed')))), { class: 'primary close-follow-up' })));
  }));
  add(root, listSection('supervision-flags', t('flagsTitle'), view.flags, (flag) => h('li', {}, `${t('flagSubjects')[flag.subject] || flag.subject}: ${flag.key} · ${flag.count}`)),
    listSection('supervision-false-commitments', t('falseCommitmentsTitle'), view.falseCommitments,
      (item) => h('li', {}, `${item.reference} · ${lt(item.name)} · ${item.checkedOn || ''}`)),
    listSection('supervision-deferrals', t('deferralsOverdueTitle'), view.deferralsOverdue,
      (item) => h('li', {}, `${item.reference} · ${lt(item.name)} · ${t('dueOn', item.dueDate)}`)));
  add(root, reportPanel());
};

// The monthly report: its figures as a table, and the printable report (with its charts) on request.
function reportPanel() {
  const month = h('input', { id: 'report-month', type: 'month', value: supervision.month, oninput: (e) => { supervision.month = e.target.value; } });
  const panel = h('section', { class: 'panel', id: 'monthly-report' }, h('h2', {}, t('reportTitle')),
    h('div', { class: 'field' }, h('label', { for: 'report-month' }, t('month')), month),
    h('div', { class: 'actions' },
      button(t('showReport'), () => act(async () => {
        supervision.report = await api('GET', `/v1/reports/monthly?month=${encodeURIComponent(supervision.month)}${departmentQuery('&')}`, undefined, { staff: true });
        supervision.html = null;
        render(false);
      }), { class: 'primary', id: 'report-show' }),
      button(t('fullReport'), () => act(async () => {
        supervision.html = await api('GET', `/v1/reports/monthly?month=${encodeURIComponent(supervision.month)}${departmentQuery('&')}&format=html`, undefined, { staff: true });
        render(false);
      }), { id: 'report-full' })));
  const report = supervision.report;
  if (report) {
    const columns = ['received', 'accepted', 'returned', 'completed', 'completedOnTime', 'overdue', 'deferredFilings', 'badRatings', 'followUps', 'followUpsClosedInTime'];
    const bad = (row) => (row.ratings.dissatisfied || 0) + (row.ratings.veryDissatisfied || 0);
    const cells = (row) => columns.map((column) => h('td', { 'data-column': column }, String(column === 'badRatings' ? bad(row) : row[column])));
    add(panel, h('div', { class: 'scroll-x' }, h('table', { id: 'report-table', class: 'report' },
      h('thead', {}, h('tr', {}, h('th', {}, t('matter')), columns.map((column) => h('th', {}, t('reportColumns')[column])))),
      h('tbody', {}, report.rows.map((row) => h('tr', { 'data-matter': row.matterKey }, h('td', {}, lt(row.matter), h('span', { class: 'sub' }, lt(row.department))), cells(row))),
        h('tr', { id: 'report-totals' }, h('th', {}, t('reportTotals')), cells(report.totals))))));
  }
  // The report as printed: its own HTML with inline SVG, shown in a frame that runs no script.
  if (supervision.html) add(panel, h('iframe', { id: 'report-frame', sandbox: '', srcdoc: supervision.html, title: t('reportTitle') }));
  return panel;
}

// A case turning yellow or red, or a follow-up running late, changes the desk's counts. Each type
// is registered by name: the stream listens only for the types some module names.
for (const type of ['filingOverdue', 'filingNearlyOverdue', 'followUpOverdue']) {
  onEvent(type, () => {
    if (state.screen === 'supervision' && state.staff) { supervision.desk = null; render(false); }
  });
}

onSignInOrOut(() => {
  Object.assign(desk, { queue: null, filing: null, message: null });
  Object.assign(supervision, { desk: null, report: null, html: null, message: null });
});
