import { expect, it } from 'vitest';
import type { ProductDoc } from '../../src/stores/product-model.js';
import { describeStoreContract } from './backends.js';

function product(_id: string, overrides: Partial<ProductDoc> = {}): ProductDoc {
  return {
    _id,
    name: _id,
    description: `${_id} 描述`,
    priceFen: 100,
    sortOrder: 0,
    active: true,
    ...overrides,
  };
}

describeStoreContract('product store', (stores) => {
  it('when the catalogue is seeded again, then products that exist are left as they are', async () => {
    await stores.products.seed([product('tea', { priceFen: 100, imageUrl: '/tea.png' })]);
    await stores.products.seed([product('tea', { priceFen: 1 }), product('cake')]);
    expect(await stores.products.listActive()).toEqual([
      product('cake'),
      product('tea', { priceFen: 100, imageUrl: '/tea.png' }),
    ]);
  });

  it('when products are listed, then only active ones come, by sort order then id', async () => {
    await stores.products.seed([
      product('b', { sortOrder: 1 }),
      product('c', { sortOrder: 0 }),
      product('a', { sortOrder: 1 }),
      product('hidden', { sortOrder: 0, active: false }),
    ]);
    const ids = (products: ProductDoc[]) => products.map((p) => p._id);
    expect(ids(await stores.products.listActive())).toEqual(['c', 'a', 'b']);
    const found = await stores.products.findActiveByIds(['a', 'hidden', 'missing', 'c']);
    expect(ids(found).sort()).toEqual(['a', 'c']);
  });

  it('when a caller changes a listed product, then the catalogue stays as it was', async () => {
    await stores.products.seed([product('tea')]);
    const [listed] = await stores.products.listActive();
    if (listed) listed.priceFen = 1;
    expect((await stores.products.findActiveByIds(['tea']))[0]?.priceFen).toBe(100);
  });
});
