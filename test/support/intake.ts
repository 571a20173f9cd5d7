// The typical intake of the tests, in one place: a leak between two flats in 华阳花园 (the first
// compound of med.c1's community), as the HTTP API takes it and as the engine harness registers it.
export const LEAK_INTAKE = {
  channel: 'walk_in',
  category: 'leakage',
  summary: '楼上卫生间漏水，渗至楼下天花板',
  parties: [
    { role: 'applicant', kind: 'person', name: '张三', phone: '13812345678', idNumber: '310101199001011234', address: '示范路1号3室' },
    { role: 'respondent', kind: 'person', name: '李四', phone: '13987654321' },
  ],
  claims: ['修复漏水', '赔偿损失'],
} as const;

/** A fresh, mutable copy (tests change parties and claims). */
export function leakIntake() {
  return structuredClone(LEAK_INTAKE) as unknown as {
    channel: 'walk_in';
    category: 'leakage';
    summary: string;
    parties: Array<{ role: 'applicant' | 'respondent'; kind: 'person'; name: string; phone?: string; idNumber?: string; address?: string }>;
    claims: string[];
  };
}
