// @ts-check
// The queue at the terminal: checking in for a booking (the code, if any, says which booking;
// the card or the typed ID number says whose: a code alone never checks anyone in), the ticket
// with its place in the queue, and the 好差评 of the service once the counter has finished it.
// Also what a code scanner reads outside a filing.
import { state } from './state.js';
import { t } from './text.js';
import { h, add, button, heading, problemBox, announce } from './dom.js';
import { api } from './api.js';
import { screens, show, render, act, goHome } from './screen.js';
import { onEvent, onEveryEvent } from './events.js';
import { identityChooser } from './card.js';
import { lookUpProgress } from './progress.js';

// A slip scanned before the card: the card completes its check-in.
onEvent('cardPresented', () => {
  if (state.screen === 'checkin' && state.scannedSlip) act(() => checkIn({ scannedSlip: state.scannedSlip, useCard: true }));
});

// A code scanner read a code. Outside a filing: a receipt opens its progress, a booking slip
// the check-in (which the card completes: the slip alone checks nobody in); anything else
// is not a code of this hall. In the middle of a filing it is only said, nothing is left.
// The stream carries a handle on a receipt's or a slip's code, never the code.
onEvent('scan', (event) => {
  const scan = event.scan;
  if (!scan) return;
  // Not while staff work at the screen (a technician trying the scanner stays on the page).
  const free = !state.sessionId && !state.staff;
  if (scan.kind === 'progressCode') {
    announce(t('scannedProgress'));
    if (free) act(() => lookUpProgress({ scannedReceipt: scan.receipt }, null));
  } else if (scan.kind === 'bookingCode') {
    announce(t('scannedSlip'));
    if (free) scannedSlip(scan.slip);
  } else {
    announce(t('scannedNotOurs'));
    if (free) { state.problem = t('scannedNotOurs'); render(false); }
  }
});

// A scanned booking slip (a handle on its code: the event stream never carries the code),
// checked in at once with the card on the reader, or as soon as the card is placed.
/** @param {string} slip */
function scannedSlip(slip) {
  show('checkin', { scannedSlip: slip });
  if (state.card || state.cardPresent) act(() => checkIn({ scannedSlip: slip, useCard: true }));
}

screens.checkin = (root) => {
  const code = h('input', { id: 'checkin-code', autocomplete: 'off', autocapitalize: 'characters', value: '' });
  const withCode = (identity) => {
    const typed = code.value.replace(/[\s-]/g, '').toUpperCase();
    const slip = typed ? { code: typed } : state.scannedSlip ? { scannedSlip: state.scannedSlip } : {};
    return checkIn(Object.assign(slip, identity));
  };
  add(root, heading(t('checkInTitle')), problemBox(state.problem),
    state.scannedSlip ? h('p', { class: 'notice-ok', role: 'status', id: 'scanned-slip' }, t('scannedSlipPlaceCard')) : null,
    h('div', { class: 'field' }, h('label', { for: 'checkin-code' }, t('checkInCode')), code),
    identityChooser(withCode, t('checkInWithCard'), t('checkInWithNumber')),
    h('div', { class: 'actions' }, button(t('back'), () => goHome())));
};

async function checkIn(body) {
  const result = await api('POST', '/v1/check-ins', body, { idempotent: true });
  state.scannedSlip = null;
  // The rating token comes only in this answer: kept for this screen's rating, never shown.
  show('ticket', { booking: { checkIn: result, ratingToken: result.ticket.ratingToken } });
}

screens.ticket = (root) => {
  const { ticket, late } = state.booking.checkIn;
  add(root, heading(t('ticketTitle')), problemBox(state.problem), h('p', { class: 'big-code', id: 'ticket-number' }, ticket.number),
    ticket.ahead !== null && ticket.ahead !== undefined ? h('p', {}, t('ahead', ticket.ahead))
      : ticket.aheadUnknown ? h('p', { id: 'ahead-unknown' }, t('aheadUnknown')) : null,
    ticket.estimatedWaitMinutes !== null && ticket.estimatedWaitMinutes !== undefined ? h('p', {}, t('wait', ticket.estimatedWaitMinutes)) : null,
    late ? h('p', { class: 'problem' }, t('lateCheckIn')) : null,
    ratingPanel(ticket),
    h('div', { class: 'actions' }, button(t('finish'), () => goHome(), { class: 'primary', id: 'finish-button' })));
};

// Once the counter has finished the ticket (a `ticketFinished` message), the citizen rates the
// service here: 1 to 5, as the 好差评 scheme asks.
function ratingPanel(ticket) {
  const booking = state.booking;
  if (booking.rated) return h('p', { class: 'notice-ok', role: 'status', id: 'rating-thanks' }, t('thanksRating'));
  if (!booking.finished) return null;
  return h('section', { class: 'panel', id: 'rating' }, h('h2', {}, t('rateTitle')),
    h('div', { class: 'stars', role: 'group', 'aria-label': t('rateTitle') }, [1, 2, 3, 4, 5].map((score) =>
      button('★'.repeat(score), () => act(async () => {
        await api('POST', `/v1/tickets/${ticket.id}/rating`, { score, ratingToken: booking.ratingToken }, { idempotent: true });
        booking.rated = true;
        render(false);
        announce(t('thanksRating'));
      }), { 'aria-label': t('rate', score), 'data-score': String(score) }))));
}

onEveryEvent((event) => {
  const checkIn = state.booking && state.booking.checkIn;
  if (event.type !== 'ticketFinished' || !checkIn || event.ticket.id !== checkIn.ticket.id) return;
  state.booking.finished = true;
  if (state.screen === 'ticket') { render(false); announce(t('rateTitle')); }
});
