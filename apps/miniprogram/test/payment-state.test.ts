import type { Order } from '@fen/contracts';
import { describe, expect, it } from 'vitest';
import { app } from './support/app.js';

const { transition, isBusy, payableOrder } = app.paymentState();
type State = Parameters<typeof transition>[0];
type Event = Parameters<typeof transition>[1];

function buildOrder(overrides: Partial<Order> = {}): Order {
  return {
    id: 'o1',
    outTradeNo: 'FEN1',
    status: 'PENDING',
    items: [],
    totalFen: 990,
    refundedFen: 0,
    description: 'Jasmine tea',
    createdAt: '2025-01-01T00:00:00.000Z',
    expiresAt: '2025-01-01T00:30:00.000Z',
    ...overrides,
  };
}

const pending = buildOrder();
const paid = buildOrder({ status: 'PAID', paidAt: '2025-01-01T00:01:00.000Z' });
const closed = buildOrder({ status: 'CLOSED', closedAt: '2025-01-01T00:02:00.000Z' });

function run(events: Event[], from: State = { phase: 'idle' }): State {
  return events.reduce(transition, from);
}

describe('the payment state machine', () => {
  it('when the cashier succeeds and the server then says PAID, then the purchase is paid', () => {
    const steps: State[] = [];
    let state: State = { phase: 'idle' };
    for (const event of [
      { type: 'start' },
      { type: 'cashier-opened', order: pending },
      { type: 'cashier-succeeded' },
      { type: 'order-seen', order: pending },
      { type: 'order-seen', order: paid },
    ] as Event[]) {
      state = transition(state, event);
      steps.push(state);
    }
    expect(steps.map((s) => s.phase)).toEqual([
      'preparing',
      'paying',
      'confirming',
      'confirming',
      'paid',
    ]);
    expect(state).toEqual({ phase: 'paid', order: paid });
  });

  it('when the cashier says success, then the purchase is only confirming, never paid', () => {
    const state = run([
      { type: 'start' },
      { type: 'cashier-opened', order: pending },
      { type: 'cashier-succeeded' },
    ]);
    expect(state.phase).toBe('confirming');
    expect(isBusy(state)).toBe(true);
  });

  it('when the wait runs out, then it is "still confirming" and a recheck can still end paid', () => {
    const unconfirmed = run([
      { type: 'start' },
      { type: 'cashier-opened', order: pending },
      { type: 'cashier-succeeded' },
      { type: 'wait-expired' },
    ]);
    expect(unconfirmed.phase).toBe('unconfirmed');
    expect(isBusy(unconfirmed)).toBe(false);
    expect(payableOrder(unconfirmed)).toEqual(pending);
    expect(run([{ type: 'recheck' }, { type: 'order-seen', order: paid }], unconfirmed).phase).toBe(
      'paid',
    );
  });

  it('when the payer cancels, then the order is kept PENDING and can be paid again', () => {
    const cancelled = run([
      { type: 'start' },
      { type: 'cashier-opened', order: pending },
      { type: 'cashier-cancelled' },
    ]);
    expect(cancelled).toEqual({ phase: 'cancelled', order: pending });
    expect(payableOrder(cancelled)).toBe(pending);
    expect(run([{ type: 'start', order: pending }], cancelled)).toEqual({
      phase: 'preparing',
      order: pending,
    });
  });

  it('when the order cannot be created, then it failed with the reason and no order to re-pay', () => {
    const failed = run([{ type: 'start' }, { type: 'failed', reason: 'Cannot reach the shop' }]);
    expect(failed).toEqual({ phase: 'failed', reason: 'Cannot reach the shop' });
    expect(payableOrder(failed)).toBeUndefined();
    expect(run([{ type: 'start' }], failed).phase).toBe('preparing');
  });

  it('when the payment fails at the cashier, then the reason is kept with the order to pay again', () => {
    const failed = run([
      { type: 'start' },
      { type: 'cashier-opened', order: pending },
      { type: 'failed', reason: 'Payment failed: insufficient funds' },
    ]);
    expect(failed).toEqual({
      phase: 'failed',
      order: pending,
      reason: 'Payment failed: insufficient funds',
    });
    expect(payableOrder(failed)).toBe(pending);
  });

  it('when the server says the order was closed while confirming, then it is closed for good', () => {
    const state = run([
      { type: 'start' },
      { type: 'cashier-opened', order: pending },
      { type: 'cashier-succeeded' },
      { type: 'order-seen', order: closed },
    ]);
    expect(state.phase).toBe('closed');
    expect(() => transition(state, { type: 'start' })).toThrow(/cannot happen while closed/);
  });

  it('when something is in flight, then no second purchase can start (a double tap)', () => {
    for (const busy of [
      run([{ type: 'start' }]),
      run([{ type: 'start' }, { type: 'cashier-opened', order: pending }]),
      run([
        { type: 'start' },
        { type: 'cashier-opened', order: pending },
        { type: 'cashier-succeeded' },
      ]),
    ]) {
      expect(isBusy(busy)).toBe(true);
      expect(() => transition(busy, { type: 'start' })).toThrow(/cannot happen/);
    }
  });

  it('when an event comes out of order, then the machine refuses it instead of going backwards', () => {
    const paidState: State = { phase: 'paid', order: paid };
    expect(() => transition({ phase: 'idle' }, { type: 'cashier-succeeded' })).toThrow();
    expect(() => transition({ phase: 'idle' }, { type: 'order-seen', order: pending })).toThrow();
    expect(() => transition(paidState, { type: 'order-seen', order: pending })).toThrow();
    expect(() => transition(paidState, { type: 'start' })).toThrow();
    expect(() =>
      transition({ phase: 'cancelled', order: pending }, { type: 'wait-expired' }),
    ).toThrow();
    // A refund seen later still reads as paid.
    const refunded = buildOrder({ status: 'REFUNDED', refundedFen: 990 });
    expect(transition(paidState, { type: 'order-seen', order: refunded })).toEqual({
      phase: 'paid',
      order: refunded,
    });
  });
});
