import type { CreateOrderRequest, MiniProgramPayParams, Order } from '@fen/contracts';
import { describeError, isClientError } from '../utils/errors';
import type { ShopApi } from './api-client';
import type { Platform } from './platform';
import { isBusy, transition } from './payment-state';
import type { PaymentEvent, PaymentState } from './payment-state';

export interface PaymentFlowOptions {
  api: ShopApi;
  platform: Platform;
  /** Pause between two "is it paid?" questions to the server. */
  pollIntervalMs: number;
  /** How long to keep asking before showing "still confirming". */
  confirmTimeoutMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Drives one purchase through the payment state machine: create (or re-pay) the order, open the
 * cashier with the server's payParams unchanged, then confirm with the server — never with the
 * cashier's word. One action at a time: calling while busy returns the action in flight, so a
 * double tap cannot create a second order.
 */
export class PaymentFlow {
  private current: PaymentState = { phase: 'idle' };
  private running: Promise<PaymentState> | undefined;
  private disposed = false;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly options: PaymentFlowOptions,
    private onChange: (state: PaymentState) => void = () => {},
  ) {
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
  }

  get state(): PaymentState {
    return this.current;
  }

  /** Creates an order for `items` (the server answers the same order for the same key) and pays it. */
  buy(items: CreateOrderRequest['items'], idempotencyKey: string): Promise<PaymentState> {
    return this.exclusive(async () => {
      this.apply({ type: 'start' });
      const { order, payParams } = await this.options.api.createOrder(items, idempotencyKey);
      return this.payWith(order, payParams);
    });
  }

  /** Pays an existing PENDING order again with fresh payParams (never a new order). */
  pay(order: Order): Promise<PaymentState> {
    return this.exclusive(async () => {
      this.apply({ type: 'start', order });
      let answer;
      try {
        answer = await this.options.api.payOrder(order.id);
      } catch (error) {
        // Paid or closed meanwhile (another device, a late notification): say what it is now.
        if (!isClientError(error, 'ORDER_NOT_PAYABLE')) throw error;
        const now = await this.options.api.getOrder(order.id, { sync: true });
        this.apply({ type: 'order-seen', order: now });
        if (isBusy(this.current)) throw error;
        return this.current;
      }
      return this.payWith(answer.order, answer.payParams);
    });
  }

  /** "Check again" after the bounded wait ran out. */
  recheck(): Promise<PaymentState> {
    return this.exclusive(async () => {
      this.apply({ type: 'recheck' });
      return this.confirm();
    });
  }

  /** Stops polling and reporting (the page went away). */
  dispose(): void {
    this.disposed = true;
    this.onChange = () => {};
  }

  private async payWith(order: Order, payParams: MiniProgramPayParams): Promise<PaymentState> {
    this.apply({ type: 'cashier-opened', order });
    const result = await this.options.platform.requestPayment(payParams, order.totalFen);
    if (result.outcome === 'cancel') return this.apply({ type: 'cashier-cancelled' });
    if (result.outcome === 'fail') {
      return this.apply({ type: 'failed', reason: `Payment failed: ${result.reason}` });
    }
    this.apply({ type: 'cashier-succeeded' });
    return this.confirm();
  }

  /** Asks the server (which asks WeChat: sync=1) until the order settles or time runs out. */
  private async confirm(): Promise<PaymentState> {
    const deadline = this.now() + this.options.confirmTimeoutMs;
    for (;;) {
      const { order } = this.current as { order: Order };
      try {
        this.apply({
          type: 'order-seen',
          order: await this.options.api.getOrder(order.id, { sync: true }),
        });
        if (this.current.phase !== 'confirming') return this.current;
      } catch {
        // A failed poll is not an answer; keep asking until the deadline.
      }
      if (this.disposed) return this.current;
      if (this.now() + this.options.pollIntervalMs > deadline) {
        return this.apply({ type: 'wait-expired' });
      }
      await this.sleep(this.options.pollIntervalMs);
    }
  }

  private exclusive(action: () => Promise<PaymentState>): Promise<PaymentState> {
    if (this.running) return this.running;
    this.running = action()
      .catch((error: unknown) =>
        isBusy(this.current)
          ? this.apply({ type: 'failed', reason: describeError(error) })
          : Promise.reject(error),
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private apply(event: PaymentEvent): PaymentState {
    this.current = transition(this.current, event);
    this.onChange(this.current);
    return this.current;
  }
}
