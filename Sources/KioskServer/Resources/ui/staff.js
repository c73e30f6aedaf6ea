// @ts-check
// Staff console and technician page, opened from the "Staff" button beside the terminal.
// The bearer token lives in this page's memory only and is dropped on sign-out.
import { state } from './state.js';
import { t, lt } from './text.js';
import { h, add, button, heading, problemBox, announce, valueOf } from './dom.js';
import { api, Problem } from './api.js';
import { screens, show, render, act } from './screen.js';
import { onEveryEvent } from './events.js';
import { serviceName } from './booking.js';

/** @type {Array<() => void>} */
const signInOrOutHandlers = [];
/** @type {Array<() => HTMLElement | null>} */
const consolePanels = [];

/**
 * Calls `handler` when staff sign in or out (the desks forget what the last one opened).
 * @param {() => void} handler
 */
export function onSignInOrOut(handler) { signInOrOutHandlers.push(handler); }

/**
 * Adds a panel to the staff console, drawn after its own (null: none this time).
 * @param {() => HTMLElement | null} panel
 */
export function addConsolePanel(panel) { consolePanels.push(panel); }

// `reasons`: the hall's override reasons (`GET /v1/override-reasons`), asked once per sign-in.
const console_ = { message: null, counter: 'A1', called: null, queue: null, session: null, materials: null, reasons: null,
  devices: null, results: {}, statistics: {}, receipts: {}, slips: {}, simulator: null, district: null };

// Each role starts on its own page: technicians on the devices, the supervision post on its desk.
/** @param {string} role */
function startScreen(role) {
  return { technician: 'technician', supervisor: 'supervision' }[role] || 'staff';
}

document.getElementById('staff-button').addEventListener('click', () => {
  if (!state.staff) return show('staff-signin');
  show(startScreen(state.staff.role));
});

screens['staff-signin'] = (root) => {
  const number = h('input', { id: 'staff-number', autocomplete: 'off' });
  const pin = h('input', { id: 'staff-pin', type: 'password', inputmode: 'numeric', autocomplete: 'off' });
  const form = h('form', { onsubmit: (event) => {
    event.preventDefault();
    act(async () => {
      const signed = await api('POST', '/v1/staff/sign-in', { number: number.value.trim(), pin: pin.value });
      state.staff = signed;
      Object.assign(console_, { message: null, session: null, devices: null, reasons: null });
      for (const handler of signInOrOutHandlers) handler();
      show(startScreen(signed.role));
    });
  } },
  h('div', { class: 'field' }, h('label', { for: 'staff-number' }, t('staffNumber')), number),
  h('div', { class: 'field' }, h('label', { for: 'staff-pin' }, t('pin')), pin),
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'sign-in-button' }, t('signIn')),
    button(t('backToCitizen'), () => show(state.session ? 'session' : 'home'))));
  add(root, heading(t('staffSignIn')), problemBox(state.problem), form);
};

/**
 * The row of the staff pages' own buttons (by role), sign-out last.
 * @returns {HTMLElement}
 */
export function staffActions() {
  const row = h('div', { class: 'actions' }, button(t('backToCitizen'), () => show(state.session ? 'session' : 'home'), { id: 'back-to-citizen' }));
  const role = state.staff.role;
  if (role === 'admin') {
    add(row, button(t('staffConsole'), () => show('staff')), button(t('technicianPage'), () => show('technician')));
  }
  if ((role === 'staff' || role === 'admin') && state.screen !== 'desk') add(row, button(t('deskTitle'), () => show('desk'), { id: 'desk-button' }));
  if ((role === 'supervisor' || role === 'admin') && state.screen !== 'supervision') {
    add(row, button(t('supervisionTitle'), () => show('supervision'), { id: 'supervision-button' }));
  }
  if (role === 'staff' && state.screen !== 'staff') add(row, button(t('staffConsole'), () => show('staff'), { id: 'console-button' }));
  add(row, button(t('signOut'), () => act(async () => {
    try { await api('POST', '/v1/staff/sign-out', undefined, { staff: true }); } finally {
      state.staff = null;
      state.assistedBy = null;
      for (const handler of signInOrOutHandlers) handler();
      show(state.session && state.sessionId ? 'session' : 'home');
    }
  }), { id: 'sign-out-button' }));
  return row;
}

function message() {
  return console_.message ? h('p', { class: 'notice-ok', role: 'status', id: 'console-message' }, console_.message) : null;
}

// ---- staff console ------------------------------------------------------------------------
screens.staff = (root) => {
  if (!state.staff) return screens['staff-signin'](root);
  add(root, heading(t('staffConsole')), problemBox(state.problem), message(), staffActions());
  const grid = h('div', { class: 'console-grid' });
  add(grid, sessionPanel(), queuePanel());
  add(root, grid, consolePanels.map((panel) => panel()));
};

function reasonPicker() {
  return h('div', {},
    h('div', { class: 'field' }, h('label', { for: 'override-reason' }, t('reason')),
      h('select', { id: 'override-reason' }, console_.reasons.map((reason) => h('option', { value: reason.code }, lt(reason.label))))),
    h('div', { class: 'field' }, h('label', { for: 'override-note' }, t('note')), h('input', { id: 'override-note', autocomplete: 'off' })));
}

async function override(action, material, extra = {}) {
  /** @type {Record<string, any>} */
  const body = Object.assign({ reasonCode: valueOf('override-reason') }, extra);
  const note = valueOf('override-note').trim();
  if (note) body.note = note;
  if (material) body.material = material;
  const view = await api('POST', `/v1/sessions/${state.sessionId}/overrides/${action}`, body, { staff: true });
  if (action === 'cancelSession') {
    state.sessionId = null;
    sessionStorage.removeItem('kiosk.sessionId');
    state.session = null;
  } else {
    state.session = view;
    state.validation = null;
    state.review = null;
    state.notice = null;
  }
  if (action === 'takeOverSession') state.assistedBy = state.staff.staffNumber;
  if (action === 'handBackSession') state.assistedBy = null;
  console_.message = t('overrideDone', t({ takeOverSession: 'takeOver', handBackSession: 'handBack', skipStep: 'skipStep',
    acceptInvalidAnswer: 'acceptInvalid', markMaterialReceivedOnPaper: 'markPaper', approveDeferredMaterial: 'approveDeferral',
    cancelSession: 'cancelSession', correctCardData: 'correctCardData' }[action]));
  console_.materials = null;
  render(false);
  announce(console_.message);
}

function sessionPanel() {
  const panel = h('section', { class: 'panel', id: 'session-panel' }, h('h2', {}, t('sessionPanel')));
  if (!state.sessionId || !state.session) return panel.appendChild(h('p', {}, t('noSession'))), panel;
  const view = state.session;
  add(panel, h('p', { id: 'session-position' }, t('position', t('positions')[view.position] || view.position),
    view.screen ? ' · ' + lt(view.screen.title) : ''));
  if (view.position === 'submitted') return panel;
  // The overrides wait for the hall's reasons: each is recorded with one.
  if (!console_.reasons) {
    act(async () => {
      try { console_.reasons = await api('GET', '/v1/override-reasons', undefined, { staff: true }); } catch (error) { console_.reasons = []; throw error; }
      render(false);
    });
    return panel;
  }
  add(panel, reasonPicker());
  const actions = h('div', { class: 'actions' },
    state.assistedBy
      ? button(t('handBack'), () => act(() => override('handBackSession')), { id: 'hand-back' })
      : button(t('takeOver'), () => act(() => override('takeOverSession')), { id: 'take-over' }));
  if (view.position === 'step') {
    add(actions, button(t('skipStep'), () => act(() => override('skipStep')), { id: 'skip-step' }),
      button(t('acceptInvalid'), () => act(() => override('acceptInvalidAnswer')), { id: 'accept-invalid' }));
  }
  add(actions, button(t('cancelSession'), () => act(() => override('cancelSession')), { class: 'danger', id: 'cancel-session' }));
  add(panel, actions);
  // What the card says is closed to the citizen; staff correct it, with a note, after checking the document.
  const fromCard = view.position === 'step' ? view.screen.fields.filter((f) => f.readOnly) : [];
  if (fromCard.length) {
    const field = h('select', { id: 'card-field' }, fromCard.map((f) => h('option', { value: f.id }, lt(f.label))));
    const value = h('input', { id: 'card-value', autocomplete: 'off' });
    add(panel, h('div', { class: 'field' }, h('label', { for: 'card-field' }, t('field')), field),
      h('div', { class: 'field' }, h('label', { for: 'card-value' }, t('correctedValue')), value),
      h('div', { class: 'actions' }, button(t('correctCardData'), () => act(() =>
        override('correctCardData', undefined, { field: field.value, value: value.value.trim() })), { id: 'correct-card-data' })));
  }
  // Paper materials and deferrals, once the citizen has reached the materials.
  if (view.position === 'declaration' || view.position === 'review') {
    if (!console_.materials) {
      act(async () => { console_.materials = await api('GET', `/v1/sessions/${state.sessionId}/materials`); render(false); });
    } else if (console_.materials.missing.length) {
      const select = h('select', { id: 'paper-material' }, console_.materials.missing.map((m) => h('option', { value: m.materialID }, lt(m.name))));
      add(panel, h('div', { class: 'field' }, h('label', { for: 'paper-material' }, t('material')), select),
        h('div', { class: 'actions' },
          button(t('markPaper'), () => act(() => override('markMaterialReceivedOnPaper', select.value)), { id: 'mark-paper' }),
          button(t('approveDeferral'), () => act(() => override('approveDeferredMaterial', select.value)), { id: 'approve-deferral' })));
    }
  }
  return panel;
}

function queuePanel() {
  const panel = h('section', { class: 'panel', id: 'queue-panel' }, h('h2', {}, t('queuePanel')));
  const counter = h('input', { id: 'counter-id', value: console_.counter, autocomplete: 'off', oninput: (e) => { console_.counter = e.target.value.trim(); } });
  add(panel, h('div', { class: 'field' }, h('label', { for: 'counter-id' }, t('counter')), counter),
    h('div', { class: 'actions' }, button(t('callNext'), () => act(async () => {
      const called = await api('POST', `/v1/counters/${encodeURIComponent(console_.counter)}/call-next`, {}, { staff: true, idempotent: true });
      console_.called = called.ticket;
      console_.message = called.ticket ? t('called', called.ticket.number, console_.counter) : t('nobodyWaiting');
      await refreshQueue();
    }), { class: 'primary', id: 'call-next' })));
  const ticket = console_.called;
  if (ticket) {
    const ticketAction = (path, body) => act(async () => {
      console_.called = await api('POST', `/v1/tickets/${ticket.id}/${path}`, body, { staff: true, idempotent: true });
      await refreshQueue();
    });
    const services = (state.services || []).filter((s) => s.id !== ticket.serviceId);
    const target = h('select', { id: 'transfer-service' }, services.map((s) => h('option', { value: s.id }, serviceName(s))));
    add(panel, h('p', { id: 'called-ticket' }, `${ticket.number} · ${t('ticketStates')[ticket.state] || ticket.state}`),
      ticket.state === 'called' ? h('div', { class: 'actions' },
        button(t('recall'), () => ticketAction('recall'), { id: 'recall' }),
        button(t('noShowAction'), () => ticketAction('no-show'), { id: 'no-show' }),
        button(t('finishTicket'), () => ticketAction('finish'), { id: 'finish-ticket' })) : null,
      ticket.state === 'called' && services.length ? h('div', { class: 'actions' }, target,
        button(t('transfer'), () => ticketAction('transfer', { serviceId: target.value }), { id: 'transfer' })) : null);
  }
  if (!console_.queue) act(refreshQueue);
  else add(panel, h('table', { id: 'queue-table' }, h('tbody', {}, console_.queue.map((entry) => {
    const service = (state.services || []).find((s) => s.id === entry.serviceId);
    return h('tr', {}, h('td', {}, service ? serviceName(service) : entry.serviceId), h('td', {}, t('waiting', entry.waiting)),
      h('td', {}, entry.numbers.join(' ')));
  }))));
  return panel;
}

async function refreshQueue() {
  try { console_.queue = await api('GET', '/v1/queue'); } catch (error) { console_.queue = []; }
  if (state.screen === 'staff') render(false);
}

// Queue updates from the event stream keep the console's list current.
onEveryEvent((event) => {
  if (!event.type.startsWith('ticket') || state.screen !== 'staff' || !state.staff) return;
  announce(t('queueEvent', event.ticket.number, t('ticketStates')[event.ticket.state] || event.ticket.state));
  refreshQueue();
});

// ---- technician page ----------------------------------------------------------------------
screens.technician = (root) => {
  if (!state.staff) return screens['staff-signin'](root);
  add(root, heading(t('technicianPage')), problemBox(state.problem), message(), staffActions());
  if (!console_.devices) {
    act(async () => {
      console_.devices = await api('GET', '/v1/devices');
      try { console_.simulator = await api('GET', '/v1/simulator/printer', undefined, { staff: true }); } catch (error) { console_.simulator = null; }
      console_.district = await api('GET', '/v1/district', undefined, { staff: true });
      render(false);
    });
    return;
  }
  for (const device of console_.devices) add(root, devicePanel(device));
  if (console_.district) add(root, districtPanel(console_.district));
  if (console_.simulator) {
    add(root, h('section', { class: 'panel', id: 'printer-simulator' }, h('h2', {}, t('printerSimulator')),
      h('p', {}, `${console_.simulator.deviceId}: ${JSON.stringify(console_.simulator.status)}`),
      h('div', { class: 'actions' },
        button(t('paperOut'), () => act(() => simulatePaper('out')), { id: 'paper-out' }),
        button(t('paperOk'), () => act(() => simulatePaper('ok')), { id: 'paper-ok' }))));
  }
  // The simulated scanner: the text goes the way a scanned code does (to the screen's stream).
  if (console_.devices.some((device) => device.info.id === 'scanner-simulated')) {
    const text = h('input', { id: 'scan-text', autocomplete: 'off' });
    add(root, h('section', { class: 'panel', id: 'scanner-simulator' }, h('h2', {}, t('scannerSimulator')),
      h('div', { class: 'field' }, h('label', { for: 'scan-text' }, t('scanText')), text),
      h('div', { class: 'actions' }, button(t('scanButton'), () => act(async () => {
        await api('POST', '/v1/simulator/scanner', { text: text.value }, { staff: true });
        console_.devices = await api('GET', '/v1/devices');
        render(false);
      }), { id: 'scan-button' }))));
  }
};

// District mode: the shared store's state and what this terminal still has to send it.
function districtPanel(district) {
  const panel = h('section', { class: 'panel', id: 'district-panel', 'data-mode': district.mode },
    h('h2', {}, t('districtPanel')), h('p', {}, h('a', { href: '/ui/fleet.html', id: 'fleet-link' }, t('fleetPage'))));
  if (district.mode !== 'district') return add(panel, h('p', {}, t('districtStandalone')));
  add(panel, h('p', {}, t('districtStore', district.store)),
    h('p', { 'data-state': district.state }, t('districtState', t('districtStates')[district.state] || district.state)));
  if (district.reason) add(panel, h('p', {}, lt(district.reason)));
  const outbox = district.outbox;
  if (outbox) {
    add(panel, h('p', { id: 'outbox-backlog' }, t('outboxBacklog', outbox.pending, outbox.failed, outbox.sent)));
    if (outbox.oldestPending) add(panel, h('p', {}, t('outboxOldest', new Date(outbox.oldestPending).toLocaleString())));
  }
  return panel;
}

async function simulatePaper(paper) {
  console_.simulator = await api('POST', '/v1/simulator/printer', { paper }, { staff: true });
  console_.devices = await api('GET', '/v1/devices');
  render(false);
}

function statusText(status) {
  return Object.entries(status).map(([key, value]) => `${key}: ${value}`).join(', ');
}

function devicePanel(device) {
  const id = device.info.id;
  const printer = device.info.kind === 'receiptPrinter';
  const panel = h('section', { class: 'panel device', 'data-device': id },
    h('h2', {}, id),
    h('p', {}, [device.info.vendor, device.info.model, device.info.connection].filter(Boolean).join(' · ')),
    h('p', {}, `${t('deviceState')}: `, h('strong', { class: 'device-state' }, device.state), ` · ${t('deviceStatus')}: ${statusText(device.status)}`));
  const check = (level) => act(async () => {
    console_.results[id] = await api('POST', `/v1/devices/${encodeURIComponent(id)}/health-checks`, { level }, { staff: true });
    console_.devices = await api('GET', '/v1/devices');
    render(false);
  });
  add(panel, h('div', { class: 'actions' },
    button(t('healthInternal'), () => check('internal'), { class: 'health-internal' }),
    button(printer ? t('testPrint') : t('testRead'), () => check('external'), { class: 'health-external' }),
    button(t('statistics'), () => act(async () => {
      console_.statistics[id] = await api('GET', `/v1/devices/${encodeURIComponent(id)}/statistics`, undefined, { staff: true });
      render(false);
    }), { class: 'statistics-button' }),
    printer ? button(t('lastReceipt'), () => act(async () => {
      try {
        console_.receipts[id] = await api('GET', `/v1/devices/${encodeURIComponent(id)}/last-receipt`, undefined, { staff: true });
      } catch (error) {
        if (error instanceof Problem && error.code === 'noPrintJob') console_.receipts[id] = null; else throw error;
        console_.message = t('noJob');
      }
      render(false);
    }), { class: 'last-receipt-button' }) : null,
    // The counters on paper, anchored in the audit log; the anchor is shown to note down too.
    printer ? button(t('counterSlip'), () => act(async () => {
      const slip = await api('POST', `/v1/devices/${encodeURIComponent(id)}/counter-slip`, undefined, { staff: true });
      console_.slips[id] = slip;
      console_.receipts[id] = await api('GET', `/v1/devices/${encodeURIComponent(id)}/last-receipt`, undefined, { staff: true });
      render(false);
    }), { class: 'counter-slip-button' }) : null));
  const slip = console_.slips[id];
  if (slip) add(panel, h('p', { class: slip.state === 'printed' ? 'notice-ok' : 'problem', role: 'status', 'data-slip': slip.state },
    t('counterSlipAnchor', slip.anchor)));
  const result = console_.results[id];
  if (result) {
    add(panel, h('div', { class: result.passed ? 'notice-ok' : 'problem', role: 'status', 'data-health': result.passed ? 'passed' : 'failed' },
      h('p', {}, h('strong', {}, `${result.level}: ${result.passed ? t('passed') : t('failed')}`), ' ', lt(result.text)),
      h('ul', {}, result.steps.map((step) => h('li', { title: step.detail }, `${step.passed ? '✔' : '✘'} ${lt(step.message)}`)))));
  }
  const statistics = console_.statistics[id];
  if (statistics) {
    add(panel, h('table', { class: 'statistics' }, h('tbody', {}, statistics.map((stat) => h('tr', { 'data-statistic': stat.name },
      h('td', {}, stat.name), h('td', { class: 'value' }, String(stat.value)),
      h('td', {}, button(t('reset'), () => act(async () => {
        await api('POST', `/v1/devices/${encodeURIComponent(id)}/statistics/${encodeURIComponent(stat.name)}/reset`, undefined, { staff: true });
        console_.statistics[id] = await api('GET', `/v1/devices/${encodeURIComponent(id)}/statistics`, undefined, { staff: true });
        render(false);
      }), { class: 'small' })))))));
  }
  const receipt = console_.receipts[id];
  if (receipt) add(panel, receiptCanvas(receipt));
  return panel;
}

// The last receipt as an image: its text drawn line by line on a paper-white canvas the width
// of an 80 mm roll, so a technician sees what came out of the printer.
function receiptCanvas(text) {
  const lines = String(text).replace(/\n$/, '').split('\n');
  const canvas = h('canvas', { class: 'receipt', id: 'receipt-preview', role: 'img', 'aria-label': t('lastReceipt') });
  const lineHeight = 22;
  canvas.width = 576;
  canvas.height = Math.max(lineHeight * (lines.length + 2), 100);
  const context = canvas.getContext('2d');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = '#000000';
  context.font = '18px "Noto Sans Mono CJK SC", "Noto Sans CJK SC", monospace';
  context.textBaseline = 'top';
  lines.forEach((line, index) => context.fillText(line, 12, lineHeight * (index + 1)));
  canvas.dataset.lines = String(lines.length);
  return canvas;
}
