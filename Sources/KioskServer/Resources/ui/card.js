// @ts-check
// The ID card on the reader: what the stream says of it, the prompt to place it, and the choice
// "use the card or type the ID number" that booking, check-in and progress share.
import { state } from './state.js';
import { t, lt } from './text.js';
import { h, button, announce } from './dom.js';
import { act, render, drawChrome } from './screen.js';
import { onEvent } from './events.js';

// The screens that show the card prompt, drawn again when the card comes or goes.
const cardScreens = ['card', 'book-confirm', 'checkin', 'lookup', 'progress'];

/**
 * The card's type and masked number, as the screen names it.
 * @param {any} card
 * @returns {string}
 */
export function cardName(card) {
  const types = t('cardTypes');
  return `${types[card.cardType] || types.unknown} ${card.maskedNumber}`;
}

/** What the reader has: the card read, a card present, a fault, or the prompt to place one. */
export function cardPrompt() {
  const present = state.card || state.cardPresent;
  const lines = [];
  if (state.card) {
    lines.push(h('p', { id: 'card-summary' }, t('cardRead', cardName(state.card))));
    if (state.card.failedChecks.length) lines.push(h('p', { class: 'field-error' }, t('cardFailed', state.card.failedChecks.join(', '))));
  } else {
    lines.push(h('p', {}, t('placeCardPrompt')));
  }
  if (state.cardFault) lines.push(h('p', { class: 'field-error' }, t('cardReadFailed', lt(state.cardFault.message))));
  return h('div', { class: 'card-prompt' + (present ? ' present' : ''), 'aria-live': 'polite' }, lines);
}

/**
 * @typedef {{ useCard: true } | { idNumber: string }} Identity  whose booking or filing it is
 */

/**
 * The card prompt with its button, and the ID number to type instead.
 * @param {(identity: Identity) => any} onIdentity
 * @param {string} cardLabel
 * @param {string} numberLabel
 * @returns {HTMLElement}
 */
export function identityChooser(onIdentity, cardLabel, numberLabel) {
  const input = /** @type {HTMLInputElement} */ (h('input', { id: 'id-number', inputmode: 'text', autocomplete: 'off', maxlength: '18' }));
  return h('div', {},
    cardPrompt(),
    h('div', { class: 'actions' }, button(cardLabel, () => act(() => onIdentity({ useCard: true })),
      { class: 'primary', id: 'use-card', disabled: !(state.card || state.cardPresent) })),
    h('div', { class: 'field' }, h('label', { for: 'id-number' }, t('orTypeId')), input),
    h('div', { class: 'actions' }, button(numberLabel, () => act(() => onIdentity({ idNumber: input.value.trim().toUpperCase() })), { id: 'use-number' })));
}

onEvent('cardPresented', (event) => {
  state.card = event.card;
  state.cardPresent = true;
  state.cardFault = null;
  announce(t('cardRead', cardName(event.card)));
  if (cardScreens.includes(state.screen)) render(false); else drawChrome();
});
onEvent('cardRemoved', () => {
  state.card = null;
  state.cardPresent = false;
  announce(t('cardRemoved'));
  if (cardScreens.includes(state.screen)) render(false); else drawChrome();
});
onEvent('cardReadFailed', (event) => {
  state.cardFault = event.fault;
  announce(t('cardReadFailed', lt(event.fault.message)));
  if (state.screen === 'card') render(false);
});
