import type { Order } from '@fen/contracts';
import type { Platform, ReceiptResult } from './platform';

export interface ReceiptConfirmationDeps {
  platform: Platform;
  /** What the component said through the App's onShow, once (receipt-return.ts). */
  takeReturn: () => ReceiptResult | undefined;
}

/**
 * One confirm-receipt round for an order page: opens WeChat's component and reports its result
 * to `onReturn` exactly once, whichever way it comes back — the open call's `success` with
 * extraData.status, or the page's onShow after the component closed (with the App's referrerInfo,
 * or with nothing at all: then `unknown`, and the server's order tells). `unsupported`: this
 * WeChat cannot open it.
 */
export class ReceiptConfirmation {
  /** The component is open (or being opened) and has not been reported yet. */
  private open = false;
  /** The page was shown again since the component opened, without a result. */
  private shownAgain = false;
  /** The open call answered without a status: the page's next onShow decides. */
  private awaitingShow = false;

  constructor(
    private readonly deps: ReceiptConfirmationDeps,
    private readonly onReturn: (result: ReceiptResult) => void,
  ) {}

  get busy(): boolean {
    return this.open;
  }

  /** Opens the component for a shipped order; a second call while one is open does nothing. */
  async start(order: Order): Promise<void> {
    if (this.open || !order.transactionId) return;
    this.open = true;
    this.shownAgain = false;
    this.awaitingShow = false;
    const result = await this.deps.platform.confirmReceipt({
      transaction_id: order.transactionId,
    });
    if (result.outcome === 'unknown' && !this.shownAgain) {
      this.awaitingShow = true;
      return;
    }
    this.finish(result);
  }

  /** The page's onShow. */
  pageShown(): void {
    if (!this.open) return;
    const returned = this.deps.takeReturn();
    if (returned) return this.finish(returned);
    if (this.awaitingShow) return this.finish({ outcome: 'unknown' });
    this.shownAgain = true;
  }

  private finish(result: ReceiptResult): void {
    if (!this.open) return;
    this.open = false;
    this.awaitingShow = false;
    this.onReturn(result);
  }
}
