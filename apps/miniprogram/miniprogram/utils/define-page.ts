type DataOption = WechatMiniprogram.Component.DataOption;
type PropertyOption = WechatMiniprogram.Component.PropertyOption;
type MethodOption = WechatMiniprogram.Component.MethodOption;
// "No properties" / "nothing extra on the instance", as miniprogram-api-typings spells it.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type Nothing = {};

/**
 * Registers a page built with `Component` (which miniprogram-simulate can load and render).
 * Page lifetimes (`onLoad(query)`, `onShow`, `onPullDownRefresh`, `onUnload`) go in `methods`,
 * as WeChat wants for Component-built pages. `TInstance` types what a page keeps on itself that
 * is not render data (e.g. a payment flow): `definePage<{ flow?: PaymentFlow }>()({ … })`.
 */
export function definePage<TInstance extends WechatMiniprogram.IAnyObject = Nothing>() {
  // The typings' page flag (TIsPage) is left off: with it, a lifetime among the methods stops
  // TypeScript inferring the methods at all. Lifetimes are then typed where they are written.
  return <TData extends DataOption, TMethod extends MethodOption>(
    options: WechatMiniprogram.Component.Options<TData, Nothing, TMethod, [], TInstance>,
  ): void => {
    Component(options);
  };
}

/** Registers a custom component. */
export function defineComponent<
  TData extends DataOption,
  TProperty extends PropertyOption,
  TMethod extends MethodOption,
>(options: WechatMiniprogram.Component.Options<TData, TProperty, TMethod, []>): void {
  Component(options);
}
