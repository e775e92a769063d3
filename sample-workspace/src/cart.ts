export interface CartItem {
  readonly sku: string;
  readonly name: string;
  readonly unitPriceCents: number;
  readonly quantity: number;
}

export interface Discount {
  /** Percentage off the whole cart, 0-100. */
  readonly percent?: number;
  /** Fixed amount off, in cents, applied after the percentage. */
  readonly amountCents?: number;
  /** Minimum subtotal for the discount to apply. */
  readonly minimumCents?: number;
}

export function subtotalCents(items: readonly CartItem[]): number {
  return items.reduce((sum, item) => sum + item.unitPriceCents * item.quantity, 0);
}

export function applyDiscount(subtotal: number, discount: Discount | undefined): number {
  if (!discount || subtotal < (discount.minimumCents ?? 0)) {
    return subtotal;
  }
  const afterPercent = Math.round(subtotal * (1 - (discount.percent ?? 0) / 100));
  return Math.max(0, afterPercent - (discount.amountCents ?? 0));
}

export function formatCents(cents: number, currency = 'EUR'): string {
  return new Intl.NumberFormat('en-IE', { style: 'currency', currency }).format(cents / 100);
}

export function addItem(items: readonly CartItem[], item: CartItem): CartItem[] {
  const existing = items.find((i) => i.sku === item.sku);
  if (!existing) {
    return [...items, item];
  }
  return items.map((i) => (i.sku === item.sku ? { ...i, quantity: i.quantity + item.quantity } : i));
}
