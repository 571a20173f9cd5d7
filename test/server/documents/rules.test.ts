// The documents against the rules a clerk checks them by (issue 13 §3), one rule per test, citing it.
import { expect } from 'chai';
import { prepareDocument, whyNot } from '../../../server/documents/issue.ts';
import { isDocumentKind, type DocumentKind } from '../../../server/documents/templates.ts';
import { buildDocumentView } from '../../../server/documents/view.ts';
import { ctxOf, declined, delegated, fullCase, issueInput, mediatingCase, referred, terminated, withAgreement, withFollowUp, type Fixture } from './fixture.ts';

function text(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<\/?(?:p|div|h1|h2|h3|table|thead|tbody|tr|td|th|ol|ul|li|section|br)\b[^>]*>/g, ' ')
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ');
}
const render = (f: Fixture, kind: DocumentKind) => text(prepareDocument(issueInput(f, kind), kind, 1).html);

describe('documents: the rules a court and a 司法局 check (issue 13 §3)', () => {
  describe('不予受理告知书', () => {
    const GROUNDS: Array<[string, string, string]> = [
      ['party_refuses', '《中华人民共和国人民调解法》第十七条', '仲裁、行政、司法等途径'],
      ['before_court', '《人民调解工作若干规定》第二十二条第（二）项', '由已经受理的人民法院依法处理'],
      ['specialised_organ', '《人民调解工作若干规定》第二十二条第（一）项', '向依法有管辖权的机关申请处理'],
      ['not_civil', '《中华人民共和国人民调解法》第二条', '向依法有权处理的机关反映'],
      ['out_of_area', '《人民调解工作若干规定》第二十一条', '纠纷发生地的人民调解委员会申请调解'],
    ];
    for (const [ground, provision, remedy] of GROUNDS) {
      it(`${ground}: cites only ${provision} and gives its own remedy`, () => {
        const t = render(declined(mediatingCase(), '理由', ground), 'non_acceptance_notice');
        expect(t).to.include(`依据：${provision.replace('《人民调解工作若干规定》', '司法部《人民调解工作若干规定》')}。`);
        expect(t).to.include(remedy);
        for (const [, other] of GROUNDS.filter(([g, p]) => g !== ground && p !== provision)) expect(t).not.to.include(other.replace(/^《[^》]+》/, ''));
      });
    }

    it('addresses one person as 你, an organisation as 你单位, several as 你们', () => {
      const one = mediatingCase();
      ctxOf(one).parties.splice(1, 1); // 张三 alone applies
      expect(render(declined(one, '理由', 'party_refuses'), 'non_acceptance_notice')).to.match(/张三： 你于2026年11月2日/);
      const org = mediatingCase();
      ctxOf(org).parties = ctxOf(org).parties.map((p) => (p.id === 'p3' ? { ...p, role: 'applicant' } : { ...p, role: 'respondent' }));
      expect(render(declined(org, '理由', 'party_refuses'), 'non_acceptance_notice')).to.include('你单位于');
      expect(render(declined(mediatingCase(), '理由', 'party_refuses'), 'non_acceptance_notice')).to.include('你们于');
    });
  });

  it('终止调解告知书: "经两次调解", never "二次" (人民调解法 art. 26)', () => {
    const f = mediatingCase();
    ctxOf(f).sessions!.push({ ...ctxOf(f).sessions![0], no: 2, at: '2026-11-15T14:30:00+08:00' });
    const t = render(terminated(f), 'termination_notice');
    expect(t).to.include('经两次调解');
    expect(t).not.to.include('二次');
  });

  describe('移送函 / 退回函', () => {
    it('prints the 案由, the committee\'s own number and the former one, and no placeholder under the seal', () => {
      const f = referred(mediatingCase());
      f.record.formerCaseNos = ['（2026）阳光物调字第3号'];
      ctxOf(f).sessions = [];
      ctxOf(f).assignees = [];
      const t = render(f, 'court_referral');
      expect(t).to.include('张三、幸福家园小区3号楼业主与安居物业服务有限公司相邻关系纠纷一案'); // 案由, not 漏水纠纷
      expect(t).to.include('（2026）幸福物调字第00012号（原编号：（2026）阳光物调字第3号）');
      expect(t).not.to.include('未指派');
      expect(t).not.to.include('未进行面对面调解');
    });

    it('特邀调解规定 (2016): a failed delegated case goes back "退回你院" with the facts not in dispute', () => {
      const f = referred(delegated(mediatingCase()));
      ctxOf(f).undisputedFacts = { text: '3号楼屋面渗漏的事实，双方无异议。', consentOf: ['p1', 'p2', 'p3'], at: '2026-11-20T10:00:00+08:00' };
      const t = render(f, 'court_referral');
      expect(t).to.include('退回函');
      expect(t).to.include('现将本案退回你院');
      expect(t).to.include('无争议事实');
      expect(t).to.include('3号楼屋面渗漏的事实，双方无异议。');
    });
  });

  describe('司法确认申请书', () => {
    it('民诉法 art. 205: names the court once, "（即示范区人民法院）", and attaches the certificate of presiding and the 授权委托书', () => {
      const f = fullCase();
      f.now = '2026-11-25T10:00:00+08:00';
      Object.assign(ctxOf(f).parties[2], { agent: { name: '钱律师', authority: 'special' } });
      const t = render(f, 'confirmation_application');
      expect(t).to.include('基层人民法院（即示范区人民法院）提出');
      expect(t).to.include('阳光街道幸福社区居民委员会人民调解委员会主持调解的证明一份');
      expect(t).to.include('授权委托书');
      expect(t).not.to.include('（（');
    });

    it('is never issued for an entrusted case; the 提交法院审查函 is', () => {
      const f = withAgreement(mediatingCase());
      ctxOf(f).delegation = { courtRef: '（2026）示民初88号', dueAt: '2026-12-02T23:59:59+08:00', mode: 'entrusted' };
      f.record.courtId = 'court-1';
      expect(whyNot('confirmation_application', issueInput(f, 'confirmation_application'))?.message).to.include('entrusted');
      expect(whyNot('court_submission', issueInput(f, 'court_submission'))).to.equal(null);
      const t = render(f, 'court_submission');
      expect(t).to.include('你院委托本委员会调解的');
      expect(t).to.include('（案号：（2026）示民初88号）');
      expect(t).to.include('出具民事调解书或者裁定准许撤诉');
      expect(whyNot('court_submission', issueInput(fullCase(), 'court_submission'))).not.to.equal(null);
    });
  });

  it('权利义务告知书: nature, principles, rights and duties (人民调解法 arts. 2–4, 23–24; 若干规定 art. 30), a line per party', () => {
    expect(isDocumentKind('rights_notice')).to.equal(true);
    const t = render(mediatingCase(), 'rights_notice');
    for (const s of ['选择或者接受人民调解员', '如实陈述纠纷事实', '不收取任何费用', '具有法律约束力', '第三十条']) expect(t).to.include(s);
    expect(t.match(/（签名或盖章）/g)).to.have.length(3);
  });

  it('调解笔录: date, place, attendees, mediators, recorder; attendees and mediators sign (人民调解法 art. 27)', () => {
    const f = mediatingCase();
    Object.assign(ctxOf(f).sessions![0], { attendees: [{ partyId: 'p1', name: '张三' }, { partyId: 'p3', name: '李经理' }], mediatorIds: ['u-med1', 'u-med2'], recorder: '孙记录' });
    const t = render(f, 'session_minutes');
    expect(t).to.include('到场人员 张三、李经理（安居物业服务有限公司）');
    expect(t).to.include('调解员 王调解、陈调解 记录人 孙记录');
    expect(t).to.include('到场人员：李经理（签名或按指印）');
    expect(t).to.include('人民调解员：陈调解（签名）');
    expect(t).to.include('记录人：孙记录（签名）');
    const dossier = render(f, 'dossier');
    expect(dossier).to.include('记录人：孙记录');
    expect(whyNot('session_minutes', issueInput(Object.assign(mediatingCase(), {}), 'session_minutes'))).to.equal(null);
  });

  it('执行告知: a confirmed agreement not performed — where and how to apply (人民调解法 art. 33; 民诉法 arts. 206, 250)', () => {
    const f = withFollowUp(withAgreement(mediatingCase()));
    expect(whyNot('enforcement_advice', issueInput(f, 'enforcement_advice'))).not.to.equal(null);
    ctxOf(f).confirmation = { requestedAt: '2026-11-19T10:00:00+08:00', confirmed: true, decidedAt: '2026-11-28T10:00:00+08:00' };
    expect(whyNot('enforcement_advice', issueInput(f, 'enforcement_advice'))).to.equal(null);
    const t = render(f, 'enforcement_advice');
    expect(t).to.include('已经示范区人民法院于2026年11月28日裁定确认有效');
    expect(t).to.include('可以向示范区人民法院申请强制执行');
    expect(t).to.include('申请执行的期间为二年');
  });

  it('回访记录: 回访方式, 被回访人, 是否反复, 有无新隐患', () => {
    const f = fullCase();
    Object.assign(ctxOf(f).followUps[0], { method: 'visit', visited: '张三', recurred: false });
    const t = render(f, 'follow_up_record');
    expect(t).to.include('回访方式 上门回访 被回访人 张三');
    expect(t).to.include('是否反复 否 新的隐患 无');
  });

  it('受理登记表: 申请方式, 受理人, the respondent\'s consent and a street address', () => {
    const f = fullCase();
    ctxOf(f).consents = [
      { partyId: 'p1', how: 'written', at: '2026-11-03T09:00:00+08:00' },
      { partyId: 'p3', how: 'oral', at: '2026-11-03T09:00:00+08:00' },
    ];
    f.units = f.units.map((u) => (u.id === 'k1' ? { ...u, address: '示范区阳光路88号幸福家园小区' } : u));
    const t = render(f, 'intake_form');
    expect(t).to.include('申请方式 书面申请');
    expect(t).to.include('受理人 王调解');
    expect(t).to.include('被申请人安居物业服务有限公司：口头同意');
    expect(t).to.include('纠纷发生地 示范区阳光路88号幸福家园小区');
  });

  it('卷宗: committee and 保管期限 on the cover, a 备考表, and no internal codes in the narration', () => {
    const f = fullCase();
    f.events.push({ caseId: 'case-1', seq: 99, type: 'DEADLINE_WARNING', at: '2026-11-20T10:00:00+08:00', actor: { id: 'system', username: 'system', role: 'system' }, data: { kind: 'mediation', level: 'blue', dueAt: '2026-12-03T23:59:59+08:00' }, prevHash: '', hash: '' });
    const t = render(f, 'dossier');
    expect(t).to.include('调解组织 阳光街道幸福社区居民委员会人民调解委员会');
    expect(t).to.include('保管期限 长期');
    expect(t).to.include('备考表');
    expect(t).to.include('期限：调解期限；预警：蓝色预警');
    expect(t).not.to.match(/mediation|blue|RECORD_|DEADLINE_/);
    expect(buildDocumentView({ ...f, now: f.now }).dossierIndex.map((e) => e.title)).to.include('备考表');
  });
});
