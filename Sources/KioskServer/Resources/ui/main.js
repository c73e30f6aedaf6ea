// @ts-check
// The terminal's touch UI, started: every screen module is imported (each adds its screens and
// the events it handles), then the page learns the terminal (info, forms, devices, services),
// opens the event stream and draws home. Plain ES modules, no build step, nothing from the network.
import { state } from './state.js';
import { button, byId } from './dom.js';
import { api, problemText } from './api.js';
import { render } from './screen.js';
import { connectEvents } from './events.js';
import './speech.js';
import './home.js';
import './filing.js';
import './policies.js';
import './booking.js';
import './queue.js';
import './progress.js';
import './staff.js';
import './desk.js';
import './help.js';

// A terminal offers no browser menu: a long press on the touch screen would open one.
document.addEventListener('contextmenu', (event) => event.preventDefault());

// ---- the simulated reader's controls (devices.mode = "simulated") ----------------------------
async function setUpSimulator() {
  let fixtures;
  try { fixtures = await api('GET', '/v1/simulator/cards'); } catch (error) { return; }
  const panel = byId('simulator');
  const box = byId('simulator-cards');
  box.replaceChildren(...fixtures.map((name) => button(name, () => api('POST', '/v1/simulator/cards', { fixture: name }), { 'data-fixture': name })),
    button('✕', () => api('DELETE', '/v1/simulator/cards'), { 'aria-label': 'remove card' }));
  panel.hidden = false;
}

// ---- start --------------------------------------------------------------------------------
async function start() {
  connectEvents();
  // A page reloaded in the middle of a filing ends that session: its answers are not shown again.
  const stale = sessionStorage.getItem('kiosk.sessionId');
  if (stale) {
    sessionStorage.removeItem('kiosk.sessionId');
    try { await api('DELETE', `/v1/sessions/${stale}`); } catch (error) { /* already ended */ }
  }
  try {
    const [info, forms, devices] = await Promise.all([api('GET', '/v1/info'), api('GET', '/v1/forms'), api('GET', '/v1/devices')]);
    state.info = info;
    state.forms = forms;
    state.printers = {};
    for (const device of devices) {
      if (device.info.kind === 'receiptPrinter') state.printers[device.info.id] = { state: device.state, paper: device.status.paper };
      if (device.status.paper) state.paper = device.status.paper;
      if (device.status.card === 'cardPresent') state.cardPresent = true;
    }
  } catch (error) {
    state.problem = problemText(error);
  }
  try { state.services = await api('GET', '/v1/services'); } catch (error) { state.services = []; }
  setUpSimulator();
  render(true);
  document.body.dataset.ready = 'true';
}

start();
