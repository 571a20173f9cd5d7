// workflows/vocabulary.ts: the categories of issue 12 §3, each with its 案由 (《民事案件案由规定》) and the
// matters 民法典 art. 278 reserves to the owners' assembly.
import { expect } from 'chai';
import { ASSEMBLY_MATTERS, CATEGORIES, CATEGORY_LABELS, CAUSE_OF_ACTION_LABELS } from '../../workflows/vocabulary.ts';

describe('categories and their causes of action', () => {
  it('adds 物业费收缴/欠费, 共有部分占用及收益, 房屋质量与保修 and 设施设备 after the existing codes', () => {
    expect(CATEGORIES.slice(-4)).to.deep.equal(['fee_arrears', 'common_parts', 'housing_quality', 'facilities']);
    expect(CATEGORIES.slice(0, 2)).to.deep.equal(['parking', 'fee_adjustment']); // existing codes keep their place
    expect(CATEGORY_LABELS.fee_arrears.zh).to.equal('物业费收缴/欠费');
    expect(CATEGORY_LABELS.facilities.zh).to.equal('设施设备（二次供水、电梯运行）');
  });

  it('gives every category a 案由 of 《民事案件案由规定》, in both languages', () => {
    const causes = ['物业服务合同纠纷', '相邻关系纠纷', '建筑物区分所有权纠纷', '排除妨害纠纷', '财产损害赔偿纠纷', '业主撤销权纠纷'];
    for (const c of CATEGORIES) {
      expect(causes, c).to.include(CAUSE_OF_ACTION_LABELS[c].zh);
      expect(CAUSE_OF_ACTION_LABELS[c].en, c).to.match(/dispute/i);
    }
    // fee arrears is the commonest 物业服务合同纠纷 before the courts
    expect(CAUSE_OF_ACTION_LABELS.fee_arrears.zh).to.equal('物业服务合同纠纷');
    expect(CAUSE_OF_ACTION_LABELS.noise.zh).to.equal('相邻关系纠纷');
  });

  it('marks the matters 民法典 art. 278 reserves to the owners jointly: fees, 维修资金, 加装电梯, 选聘/解聘物业', () => {
    expect([...ASSEMBLY_MATTERS].sort()).to.deep.equal(['elevator', 'fee_adjustment', 'maintenance_fund', 'owners_committee']);
    expect(ASSEMBLY_MATTERS).not.to.include('fee_arrears'); // collecting agreed fees needs no assembly decision
  });
});
