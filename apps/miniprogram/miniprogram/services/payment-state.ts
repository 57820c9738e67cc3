import type { Order } from '@fen/contracts';

/**
 * Where a purchase stands, as the buyer sees it. The cashier's "success" is only a hint: an
 * order is `paid` when the server says PAID.
 */
export type PaymentState =
  /** Nothing started. */
  | { phase: 'idle' }
  /** Asking the server for an order and/or payParams. */
  | { phase: 'preparing'; order?: Order }
  /** The cashier is open. */
  | { phase: 'paying'; order: Order }
  /** The cashier said paid; asking the server (sync=1) until it confirms. */
  | { phase: 'confirming'; order: Order }
  | { phase: 'paid'; order: Order }
  /** The bounded wait ran out with the order still PENDING: "still confirming", check again. */
  | { phase: 'unconfirmed'; order: Order }
  /** The payer closed the cashier; the order stays PENDING and can be paid again. */
  | { phase: 'cancelled'; order: Order }
  /** It did not work; `order` (when there is one and it is PENDING) can be paid again. */
  | { phase: 'failed'; order?: Order; reason: string }
  /** The order was closed (cancelled or expired): it can no longer be paid. */
  | { phase: 'closed'; order: Order };

export type PaymentPhase = PaymentState['phase'];

export type PaymentEvent =
  /** Start: create an order, or (with `order`) pay an existing PENDING one. */
  | { type: 'start'; order?: Order }
  /** The server answered with the order and its payParams; the cashier opens. */
  | { type: 'cashier-opened'; order: Order }
  | { type: 'cashier-succeeded' }
  | { type: 'cashier-cancelled' }
  | { type: 'failed'; reason: string; order?: Order }
  /** "Check again" after the wait ran out. */
  | { type: 'recheck' }
  /** The server's view of the order (a poll's answer, or a refresh). */
  | { type: 'order-seen'; order: Order }
  /** The bounded wait for confirmation ran out. */
  | { type: 'wait-expired' };

/** Phases in which something is in flight: no second purchase may start. */
export const BUSY_PHASES: readonly PaymentPhase[] = ['preparing', 'paying', 'confirming'];

export const isBusy = (state: PaymentState) => BUSY_PHASES.includes(state.phase);

/** The order a new attempt would pay again, when there is one that can still be paid. */
export function payableOrder(state: PaymentState): Order | undefined {
  if (state.phase !== 'cancelled' && state.phase !== 'failed' && state.phase !== 'unconfirmed') {
    return undefined;
  }
  return state.order?.status === 'PENDING' ? state.order : undefined;
}

const PAID_STATUSES = ['PAID', 'PARTIALLY_REFUNDED', 'REFUNDED'];

/** A state for what the server says about the order, when that settles anything. */
function settledBy(order: Order): PaymentState | undefined {
  if (PAID_STATUSES.includes(order.status)) return { phase: 'paid', order };
  if (order.status === 'CLOSED') return { phase: 'closed', order };
  return undefined;
}

function invalid(state: PaymentState, event: PaymentEvent): never {
  throw new Error(`payment: "${event.type}" cannot happen while ${state.phase}`);
}

/**
 * The payment state machine: the next state, or a thrown error for an event that cannot
 * happen in this state (a bug, never a buyer's doing).
 */
export function transition(state: PaymentState, event: PaymentEvent): PaymentState {
  switch (event.type) {
    case 'start':
      if (isBusy(state) || state.phase === 'paid' || state.phase === 'closed') {
        return invalid(state, event);
      }
      return event.order ? { phase: 'preparing', order: event.order } : { phase: 'preparing' };
    case 'cashier-opened':
      if (state.phase !== 'preparing') return invalid(state, event);
      return { phase: 'paying', order: event.order };
    case 'cashier-succeeded':
      if (state.phase !== 'paying') return invalid(state, event);
      return { phase: 'confirming', order: state.order };
    case 'cashier-cancelled':
      if (state.phase !== 'paying') return invalid(state, event);
      return { phase: 'cancelled', order: state.order };
    case 'failed': {
      if (!isBusy(state)) return invalid(state, event);
      const order = event.order ?? ('order' in state ? state.order : undefined);
      return order
        ? { phase: 'failed', order, reason: event.reason }
        : { phase: 'failed', reason: event.reason };
    }
    case 'recheck':
      if (state.phase !== 'unconfirmed') return invalid(state, event);
      return { phase: 'confirming', order: state.order };
    case 'order-seen': {
      if (state.phase === 'idle') return invalid(state, event);
      const settled = settledBy(event.order);
      if (settled) return settled;
      // Still PENDING: nothing changes but what we know of the order. (States only go forward.)
      if (state.phase === 'paid' || state.phase === 'closed') return invalid(state, event);
      return { ...state, order: event.order };
    }
    case 'wait-expired':
      if (state.phase !== 'confirming') return invalid(state, event);
      return { phase: 'unconfirmed', order: state.order };
  }
}
