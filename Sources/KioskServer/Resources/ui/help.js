// @ts-check
// Calling for a member of staff (请工作人员帮助) and 首问负责: a large button on every citizen
// screen, the wait it starts, and the open calls in the staff console. The server decides when a
// call is overdue (and gives the hotline); the page only counts the seconds it shows.
import { state } from './state.js';
import { t } from './text.js';
import { h, add, button, announce, byId } from './dom.js';
import { api, problemText } from './api.js';
import { act } from './screen.js';
import { onEveryEvent } from './events.js';
import { addConsolePanel } from './staff.js';

// The call of this terminal as the server last described it, and when the page learnt it.
// `offDuty`: the lines the server gave outside staffed hours, where no call is raised.
const help = { call: null, closed: false, problem: null, offDuty: null, since: 0, timer: null, calls: null };
const staffScreens = ['staff-signin', 'staff', 'technician'];

const callButton = h('button', { type: 'button', id: 'help-button', class: 'help-call', 'aria-describedby': 'help-status' });
const status = h('div', { id: 'help-status', class: 'help-status', role: 'status', 'aria-live': 'polite', hidden: true });
// The button floats (reachable from every screen); the wait is in the page's flow, above the
// screen, so it never covers a control.
document.body.append(callButton);
document.getElementById('main').before(status);
callButton.addEventListener('click', () => callStaff());

function elapsed(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

// The screen the citizen is on, from the list the server accepts.
function screenName() {
  return staffScreens.includes(state.screen) ? 'other' : state.screen;
}

async function callStaff() {
  help.problem = null;
  try {
    const body = { screen: screenName() };
    if (state.sessionId) body.sessionId = state.sessionId;
    const answer = await api('POST', '/v1/help-requests', body);
    help.offDuty = answer.state === 'noStaffOnDuty' ? answer : null;
    if (help.offDuty) {
      announce(t('helpNoStaff') + ' ' + t('helpHotline', answer.hotline));
    } else {
      learn(answer);
      announce(t('helpWaiting'));
    }
  } catch (error) {
    help.problem = problemText(error);
    announce(help.problem);
  }
  draw();
}

function learn(call) {
  help.call = call;
  help.closed = false;
  help.since = Date.now();
  clearInterval(help.timer);
  if (call && call.state === 'open') help.timer = setInterval(tick, 1000);
}

// Every second: the wait shown; at the deadline, ask the server whether the call is overdue.
function tick() {
  const call = help.call;
  if (!call || call.state !== 'open') return clearInterval(help.timer);
  const left = call.secondsLeft - (Date.now() - help.since) / 1000;
  if (left <= 0 && !call.overdue) {
    clearInterval(help.timer);
    api('GET', '/v1/help-requests/current').then((current) => { learn(current); draw(); speakIfOverdue(); }).catch(() => {});
  }
  draw();
}

function speakIfOverdue() {
  if (!help.call || !help.call.overdue || !state.speech || !state.sessionId || help.call.sessionId !== state.sessionId) return;
  const audio = /** @type {HTMLAudioElement} */ (byId('speech-audio'));
  audio.dataset.part = 'help';
  delete audio.dataset.duration;
  audio.src = `/v1/sessions/${state.sessionId}/speech?part=help&voice=${state.lang === 'zh-CN' ? 'cmn' : 'en'}`;
  audio.play().catch(() => {});
}

function draw() {
  const onStaffScreen = staffScreens.includes(state.screen);
  callButton.hidden = onStaffScreen;
  callButton.textContent = t('callStaff');
  callButton.setAttribute('aria-label', t('callStaffHint'));
  const call = help.call;
  callButton.classList.toggle('waiting', !!call && call.state !== 'closed');
  const lines = [];
  if (help.problem) lines.push(h('p', { class: 'problem', id: 'help-problem' }, help.problem));
  if (help.offDuty) {
    lines.push(h('p', { id: 'help-no-staff', class: 'help-title' }, t('helpNoStaff')),
      h('p', { id: 'help-hotline', class: 'help-hotline' }, t('helpHotline', help.offDuty.hotline)));
    if (help.offDuty.appointmentLine) lines.push(h('p', {}, t('helpAppointmentLine', help.offDuty.appointmentLine)));
  }
  if (call && call.state === 'open') {
    const waited = (Date.now() - Date.parse(call.raisedAt)) / 1000;
    lines.push(h('p', { class: 'help-title' }, t('helpWaiting')),
      h('p', { id: 'help-waited', 'data-seconds': String(Math.floor(waited)) }, t('helpWaited', elapsed(waited))));
    if (call.overdue) {
      lines.push(h('p', { id: 'help-overdue' }, t('helpOverdue')),
        h('p', { id: 'help-hotline', class: 'help-hotline' }, t('helpHotline', call.hotline)));
      if (call.appointmentLine) lines.push(h('p', {}, t('helpAppointmentLine', call.appointmentLine)));
    } else {
      const total = Math.round((Date.parse(call.deadline) - Date.parse(call.raisedAt)) / 1000);
      lines.push(h('p', { class: 'muted' }, t('helpAnswerWithin', total)));
    }
  } else if (call && call.state === 'taken') {
    const handed = call.responsibility && call.responsibility.length > 1;
    lines.push(h('p', { id: 'help-taken', class: 'help-title' },
      t(handed ? 'helpHandedOver' : 'helpTaken', call.responsibleStaff)));
  } else if (help.closed) {
    lines.push(h('p', { id: 'help-closed' }, t('helpClosed')));
  }
  if (lines.length && !onStaffScreen) {
    lines.push(button(t('helpDismiss'), () => { help.problem = null; help.offDuty = null; if (help.closed) help.closed = false; draw(); },
      { class: 'small', id: 'help-dismiss', hidden: !(help.problem || help.closed || help.offDuty) }));
  }
  status.replaceChildren(...lines);
  status.hidden = !lines.length || onStaffScreen;
}

// What the terminal's stream says of calls: the citizen's wait ends, staff's list changes.
onEveryEvent((event) => {
  if (!event.help) return;
  // In district mode the stream also tells of the hall's other terminals' calls (for the staff
  // console): a screen without a call only asks whether a new call is its own.
  const mine = help.call ? help.call.id === event.help.id : event.type === 'helpRequested';
  if (mine) {
    if (event.type === 'helpClosed') {
      help.call = null;
      help.closed = true;
      clearInterval(help.timer);
    } else {
      api('GET', '/v1/help-requests/current').then((current) => {
        learn(current);
        draw();
        if (event.type === 'helpTimedOut') speakIfOverdue();
      }).catch(() => {});
    }
    if (event.type === 'helpTaken' || event.type === 'helpHandedOver') {
      announce(t(event.type === 'helpTaken' ? 'helpTaken' : 'helpHandedOver', event.help.responsibleStaff));
    }
    if (event.type === 'helpTimedOut') announce(t('helpOverdue') + ' ' + t('helpHotline', event.help.hotline));
  }
  draw();
  if (state.screen === 'staff' && state.staff) refreshCalls();
});

// Redrawn with every screen (app.js replaces <main>'s children on each render).
new MutationObserver(() => draw()).observe(document.getElementById('main'), { childList: true });
document.getElementById('language-button').addEventListener('click', () => draw());
api('GET', '/v1/help-requests/current').then((current) => { learn(current); draw(); }).catch(() => draw());

// ---- the staff console's panel --------------------------------------------------------------
async function refreshCalls() {
  try { help.calls = await api('GET', '/v1/help-requests', undefined, { staff: true }); } catch (error) { help.calls = []; }
  const panel = document.getElementById('help-panel');
  if (panel) panel.replaceWith(callsPanel());
}

async function staffAction(call, action, body) {
  await api('POST', `/v1/help-requests/${encodeURIComponent(call.id)}/${action}`, body || {}, { staff: true });
  await refreshCalls();
}

function callsPanel() {
  const panel = h('section', { class: 'panel', id: 'help-panel' }, h('h2', {}, t('helpPanel')));
  if (help.calls === null) { refreshCalls(); return panel; }
  if (!help.calls.length) return add(panel, h('p', {}, t('helpNone')));
  for (const call of help.calls) {
    const waited = (Date.now() - Date.parse(call.raisedAt)) / 1000;
    const where = [call.screen, call.formId, call.stepId].filter(Boolean).join(' · ');
    const row = h('div', { class: 'help-call-row', 'data-help': call.id, 'data-state': call.state },
      h('p', {}, h('strong', {}, t('helpStates')[call.state] || call.state), call.overdue ? ` · ${t('helpOverdueMark')}` : '',
        call.state === 'open' ? ` · ${t('helpWaitingFor', elapsed(waited))}` : '', ` · ${t('helpTerminal', call.terminalId)}`,
        ` · ${t('helpScreen', where)}`),
      call.responsibleStaff ? h('p', { class: 'help-responsible' }, t('helpResponsible', call.responsibleStaff)) : null);
    const actions = h('div', { class: 'actions' });
    if (call.state === 'open') {
      add(actions, button(t('helpTake'), () => act(() => staffAction(call, 'take')), { class: 'primary help-take' }));
    } else {
      const target = h('input', { class: 'help-handover-to', autocomplete: 'off', 'aria-label': t('helpHandOverTo'),
        placeholder: t('helpHandOverTo') });
      add(actions, target,
        button(t('helpHandOver'), () => act(() => staffAction(call, 'handover', { staffNumber: target.value.trim() })), { class: 'help-handover' }),
        button(t('helpClose'), () => act(() => staffAction(call, 'close')), { class: 'help-close' }));
    }
    add(panel, add(row, actions));
  }
  return panel;
}

// The staff console draws its own panels (staff.js); the calls are added after them.
addConsolePanel(() => {
  if (state.screen !== 'staff') return null;
  help.calls = null;  // asked afresh each time the console is drawn
  return callsPanel();
});
