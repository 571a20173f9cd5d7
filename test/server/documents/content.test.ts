import { expect } from 'chai';
import { prepareDocument } from '../../../server/documents/issue.ts';
import { DOCUMENT_KINDS, type DocumentKind } from '../../../server/documents/templates.ts';
import { buildDocumentView } from '../../../server/documents/view.ts';
import {
  ctxOf,
  declined,
  delegated,
  fullCase,
  issueInput,
  mediatingCase,
  referred,
  terminated,
  withAgreement,
  type Fixture,
} from './fixture.ts';

/** Visible text of the document body: no stylesheet, no tags; blocks and cells separated by a space. */
function text(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<\/?(?:p|div|h1|h2|h3|table|thead|tbody|tr|td|th|ol|ul|li|section|br)\b[^>]*>/g, ' ')
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ');
}

function render(f: Fixture, kind: DocumentKind, version = 1) {
  return prepareDocument(issueInput(f, kind), kind, version);
}

function fixtureFor(kind: DocumentKind): Fixture {
  if (kind === 'non_acceptance_notice') return declined(mediatingCase());
  if (kind === 'termination_notice') return terminated(mediatingCase());
  if (kind === 'court_referral') return referred(mediatingCase());
  const f = fullCase();
  if (kind === 'confirmation_application') f.now = '2026-11-25T10:00:00+08:00';
  return f;
}

describe('documents: required content', () => {
  describe('every kind', () => {
    for (const kind of DOCUMENT_KINDS) {
      it(`renders ${kind} as a self-contained A4 page with case number, body, dates in 年月日 and versions`, () => {
        const doc = render(fixtureFor(kind), kind);
        expect(doc.html).to.match(/^<!DOCTYPE html>/);
        expect(doc.html).to.include('@page');
        expect(doc.html).to.include('size: A4');
        expect(doc.html).to.match(/font-family:[^;]*"SimSun"/);
        expect(doc.html).not.to.match(/<link|<script|src=/i);
        expect(doc.html).to.include('（2026）幸福物调字第00012号');
        expect(doc.html).to.match(/\d{4}年\d{1,2}月\d{1,2}日/);
        expect(doc.html).not.to.match(/\d{4}-\d{2}-\d{2}/); // no ISO dates on paper
        expect(doc.templateVersion).to.match(new RegExp(`^${kind}@\\d{4}\\.\\d{2}-\\d+ \\(set [0-9a-f]{12}\\)$`));
        expect(doc.html).to.include(`content="${doc.templateVersion}"`);
      });

      it(`${kind}: the seal is the 人民调解委员会's, never a venue's (人民调解法 arts. 8, 29, 34)`, () => {
        const t = text(render(fixtureFor(kind), kind).html);
        // the joint application is the parties' own: signed by them, it names the committee that presided
        if (kind === 'confirmation_application') expect(t).to.include('经阳光街道幸福社区居民委员会人民调解委员会主持调解');
        else if (kind === 'session_minutes') expect(t).to.include('人民调解员：王调解（签名）'); // signed by those present, not sealed
        else expect(t).to.include('人民调解委员会 （盖章）');
        expect(t).not.to.match(/(工作室|中心) （盖章）/);
      });
    }

    it('renders the same view to the same bytes (the hash is reproducible)', () => {
      const a = render(fullCase(), 'agreement');
      const b = render(fullCase(), 'agreement');
      expect(a.html).to.equal(b.html);
      expect(a.sha256).to.equal(b.sha256);
    });
  });

  describe('agreement (人民调解协议书)', () => {
    it('carries what 人民调解法 art. 29 and 若干规定 art. 35 ask for', () => {
      const f = fullCase();
      const t = text(render(f, 'agreement').html);
      // each party's particulars
      expect(t).to.include('申请人：张三，公民身份号码：110101199001011234，住址：幸福家园小区3号楼1201室');
      expect(t).to.include('幸福家园小区3号楼业主（业主群体，共12户）');
      expect(t).to.include('代表人：赵六');
      expect(t).to.include('被申请人：安居物业服务有限公司（物业服务企业）');
      expect(t).to.include('法定代表人/负责人：李经理');
      // facts, points in dispute, responsibilities
      expect(t).to.include('纠纷主要事实');
      expect(t).to.include('3号楼顶层多户因屋面防水层老化发生渗漏');
      expect(t).to.include('渗漏原因及维修责任');
      expect(t).to.include('应承担维修及赔偿责任');
      // numbered clauses with obligor, manner and date — only what was given (若干规定 art. 35(四))
      expect(t).to.match(/第一条\s*被申请人于2026年12月15日前修复3号楼屋面防水层/);
      expect(t).to.include('第二条');
      expect(t).to.include('第三条');
      expect(t).to.include('履行义务人：安居物业服务有限公司；履行方式：银行转账；履行期限：2026年12月31日前。');
      expect(t).to.include('履行义务人：张三；履行期限：2026年12月31日前。');
      expect(t).not.to.include('按本条约定履行');
      expect(t).not.to.include('各方当事人；');
      // amount as entered, in figures and capitals
      expect(t).to.include('（金额：人民币12,345.60元（大写：人民币壹万贰仟叁佰肆拾伍元陆角整））');
      expect(t).to.include('本协议涉及金额合计人民币12,345.60元（大写：人民币壹万贰仟叁佰肆拾伍元陆角整）。');
      // signatures: a person signs, an organisation seals and its representative signs, a group's representative signs
      expect(t).to.match(/申请人：张三 ?（签名或按指印）/);
      expect(t).to.include('被申请人：安居物业服务有限公司（盖章） 法定代表人/委托代理人：李经理（签名）');
      expect(t).to.include('申请人：幸福家园小区3号楼业主 代表人：赵六（签名或按指印）');
      expect(t).to.include('人民调解员：王调解（签名）');
      expect(t).to.include('阳光街道幸福社区居民委员会人民调解委员会 （盖章） 2026年11月18日');
      expect(t).to.include('本协议一式四份，各方当事人各执一份，阳光街道幸福社区居民委员会人民调解委员会留存一份');
      expect(t).to.include('三十日内共同向人民法院申请司法确认');
      expect(t).not.to.include('草稿');
    });

    it('is one text for every party: no copy names its holder', () => {
      const html = render(fullCase(), 'agreement').html;
      expect(html.match(/一式四份/g)).to.have.length(1);
      expect(html).not.to.match(/(申请人|被申请人)(执|存)/);
    });

    it('marks an unsigned agreement 草稿 and leaves the seal date blank', () => {
      const doc = render(withAgreement(mediatingCase(), { signed: false }), 'agreement');
      expect(doc.draft).to.equal(true);
      const t = text(doc.html);
      expect(t).to.include('人民调解协议书（草稿）');
      expect(doc.html).to.include('class="draft-mark"');
      expect(t).to.include('不具有法律约束力');
      expect(t).to.match(/（盖章）\s*年\s*月\s*日/);
    });

    it('says an ownership (物权确权) agreement is outside judicial confirmation', () => {
      const t = text(render(withAgreement(mediatingCase(), { decidesOwnership: true }), 'agreement').html);
      expect(t).to.include('涉及物权确权');
      expect(t).not.to.include('三十日内共同向人民法院申请司法确认');
    });

    it('若干规定 art. 35(四): prints a performance line of what was given only — place and several obligors too', () => {
      const f = withAgreement(mediatingCase(), {
        clauses: [
          { text: '双方共同委托检测机构查明渗漏原因', obligors: ['p1', 'p3'], place: '幸福家园小区3号楼', performBy: '2026-12-10' },
          { text: '被申请人按月支付补偿款，每期1,000元', obligors: ['p3'], manner: '分十二期银行转账', amount: 12_000, performBy: '2026-12-31' },
          { text: '申请人今后友好相处' },
        ],
      });
      const t = text(render(f, 'agreement').html);
      expect(t).to.include('履行义务人：张三、安居物业服务有限公司；履行地点：幸福家园小区3号楼；履行期限：2026年12月10日前。');
      // the entered amount, never the 1,000 the text names per instalment (issue 13 §2)
      expect(t).to.include('（金额：人民币12,000元（大写：人民币壹万贰仟元整））');
      expect(t).not.to.include('壹仟元整');
      // a sentence with nothing given gets no performance line at all
      expect(t).to.match(/第三条\s*申请人今后友好相处\s*本协议涉及金额合计/);
    });

    it('prints a no-performance clause as such: no obligor, no date, no follow-up', () => {
      const f = withAgreement(mediatingCase(), {
        clauses: [
          { text: '被申请人修复屋面', obligors: ['p3'], performBy: '2026-12-15' },
          { text: '双方对调解内容保密', noPerformance: true },
        ],
      });
      const t = text(render(f, 'agreement').html);
      expect(t).to.match(/第二条\s*双方对调解内容保密\s*本条无须履行。/);
      const schedule = text(render(f, 'follow_up_schedule').html);
      expect(schedule).to.match(/第二条 双方对调解内容保密 — — 无须履行/);
      expect(schedule).not.to.match(/核查[^；]*第二条/);
    });

    it('人民调解法 art. 29: facts, disputes and responsibilities are the mediator\'s own — never the intake summary or boilerplate', () => {
      const f = withAgreement(mediatingCase(), { signed: false, facts: '', disputePoints: '', responsibilities: '' });
      const t = text(render(f, 'agreement').html);
      expect(t).to.include('签署前尚需填写：纠纷主要事实、争议事项、各方责任');
      expect(t).not.to.include(ctxOf(f).summary);
      expect(t).not.to.include('修复屋面防水层 赔偿装修损失'); // the claims
      expect(t).not.to.include('对上述事实及各自应承担的责任予以确认');
    });

    it('prints 性别、民族、出生日期 where known (SPC sample 司法确认申请书) and an agent with the authority given', () => {
      const f = withAgreement(mediatingCase());
      Object.assign(ctxOf(f).parties[0], { gender: 'male', ethnicity: '汉族', birthDate: '1990-01-01' });
      Object.assign(ctxOf(f).parties[2], { agent: { name: '钱律师', authority: 'special', scope: '代为签署调解协议' } });
      const t = text(render(f, 'agreement').html);
      expect(t).to.include('申请人：张三，男，汉族，1990年1月1日出生，公民身份号码：110101199001011234');
      expect(t).to.include('委托代理人：钱律师（特别授权：代为签署调解协议）');
      expect(t).to.include('被申请人：安居物业服务有限公司（盖章） 法定代表人/委托代理人：钱律师（签名）');
    });

    it('人民调解法 art. 33: counts the court\'s copy when the parties mean to apply for 司法确认', () => {
      const t = text(render(withAgreement(mediatingCase(), { forConfirmation: true }), 'agreement').html);
      expect(t).to.include('本协议一式五份，各方当事人各执一份，阳光街道幸福社区居民委员会人民调解委员会留存一份，申请司法确认时提交人民法院一份');
    });

    it('counts copies as parties plus one for the body', () => {
      const f = withAgreement(mediatingCase());
      ctxOf(f).parties.splice(1, 1);
      expect(text(render(f, 'agreement').html)).to.include('本协议一式三份');
    });
  });

  describe('other kinds', () => {
    it('intake form: registration, channel, parties with particulars, claims, amount, assessment', () => {
      const t = text(render(fullCase(), 'intake_form').html);
      for (const s of [
        '人民调解受理登记表',
        '2026年11月2日',
        '来访',
        '漏水',
        '13户',
        '示范区阳光街道幸福社区居委会幸福家园小区',
        '¥12,345.60（大写：人民币壹万贰仟叁佰肆拾伍元陆角整）',
        '110101199001011234',
        '13800000001',
        '修复屋面防水层',
        '是（涉及13户）',
        '予以受理（2026年11月3日）',
        '（盖章）',
      ]) {
        expect(t).to.include(s);
      }
    });

    it('notice of non-acceptance: addressed to the applicants, with the reason, the rule and other remedies', () => {
      const t = text(render(fixtureFor('non_acceptance_notice'), 'non_acceptance_notice').html);
      expect(t).to.include('张三、幸福家园小区3号楼业主：');
      expect(t).to.include('不予受理的理由：该纠纷已由人民法院立案受理。');
      expect(t).to.include('第十七条');
      expect(t).to.include('仲裁、行政、司法等途径');
      expect(t).to.include('阳光街道幸福社区居民委员会人民调解委员会 （盖章） 2026年11月3日');
      expect(t).not.to.include('你（你们、你单位）');
    });

    it('termination notice: every party, the reason, art. 26 and other remedies', () => {
      const t = text(render(fixtureFor('termination_notice'), 'termination_notice').html);
      expect(t).to.include('张三、幸福家园小区3号楼业主、安居物业服务有限公司：');
      expect(t).to.include('终止调解的理由：被申请人明确拒绝继续调解。');
      expect(t).to.include('第二十六条');
      expect(t).to.include('经一次调解');
    });

    it('termination notice of a court-delegated case says it goes back to the court', () => {
      const t = text(render(delegated(terminated(mediatingCase())), 'termination_notice').html);
      expect(t).to.include('委派调解案件，案号为（2026）示民诉前调1234号');
      expect(t).not.to.include('（（');
    });

    it('referral letter: addressed to the court, reason, parties, sessions and the dossier index', () => {
      const doc = render(fixtureFor('court_referral'), 'court_referral');
      const t = text(doc.html);
      expect(t).to.include('示范区人民法院：');
      expect(t).to.include('移送理由：调解不成，申请人要求通过诉讼解决。');
      expect(t).to.include('附：卷宗材料目录');
      expect(t).to.include('人民调解受理登记表');
      expect(t).to.include('调解笔录（第一次）');
      expect(t).to.include('第一次调解：2026年11月10日14时30分');
      // issued by the body that referred it, not the court that now holds it
      expect(t).to.include('阳光街道幸福社区居民委员会人民调解委员会 （盖章） 2026年11月20日');
      const pkg = doc.data as Record<string, any>;
      expect(pkg.kind).to.equal('court_referral');
      expect(pkg.dossierIndex.map((e: { title: string }) => e.title)).to.include('移送函');
    });

    it('confirmation application: joint applicants, request, clauses, court and its basis, commitments', () => {
      const doc = render(fixtureFor('confirmation_application'), 'confirmation_application');
      const t = text(doc.html);
      expect(t).to.include('申请人一：张三');
      expect(t).to.include('申请人三：安居物业服务有限公司');
      expect(t).to.include('请求人民法院确认申请人于2026年11月18日经阳光街道幸福社区居民委员会人民调解委员会主持调解达成的人民调解协议');
      expect(t).to.include('第二条');
      expect(t).to.include('申请期限至2026年12月18日');
      expect(t).to.include('第二百零五条第（二）项');
      expect(t).to.include('此致 示范区人民法院');
      expect(t).to.include('没有恶意串通、规避法律的行为');
    });

    it('follow-up schedule: clauses with their dates and visits on working days after performance', () => {
      const f = fullCase();
      const t = text(prepareDocument(issueInput(f, 'follow_up_schedule', { followUpOffsets: [7, 30] }), 'follow_up_schedule', 1).html);
      expect(t).to.include('回访计划');
      expect(t).to.include('第一条');
      expect(t).to.include('2026年12月15日');
      // issue 13 §3: a visit after each distinct clause date (15 and 31 December), then a final 回头看
      expect(t).to.include('第一次 2026年12月22日 核查第一条的履行情况');
      expect(t).to.include('第二次 2027年1月7日 核查第二条、第三条的履行情况');
      expect(t).to.include('第三次（回头看） 2027年2月1日 回头看'); // 30 Jan 2027 is a Saturday
    });

    it('follow-up schedule uses the dates the engine scheduled when given', () => {
      const f = fullCase();
      const t = text(
        prepareDocument(issueInput(f, 'follow_up_schedule', { followUpDates: ['2026-12-20', '2027-01-15'] }), 'follow_up_schedule', 1).html,
      );
      expect(t).to.include('第一次 2026年12月20日 核查第一条的履行情况');
      expect(t).to.include('第二次（回头看） 2027年1月15日');
    });

    it('follow-up record: each visit, clause by clause, satisfaction and note', () => {
      const t = text(render(fullCase(), 'follow_up_record').html);
      expect(t).to.include('第一次回访');
      expect(t).to.include('2026年12月22日');
      expect(t).to.include('王调解');
      expect(t).to.include('部分履行');
      expect(t).to.include('4（满意）');
      expect(t).to.include('第三条（申请人按时缴纳物业服务费。）：部分履行');
      expect(t).to.include('防水层已修复，赔偿款已到账。');
    });

    it('dossier: cover, index and every record on its own sheet', () => {
      const f = fullCase();
      const view = buildDocumentView({ ...issueInput(f, 'dossier'), issuedBy: '王调解' });
      const doc = render(f, 'dossier');
      const t = text(doc.html);
      expect(t).to.include('人民调解卷宗');
      expect(t).to.include('卷内目录');
      for (const e of view.dossierIndex) expect(t).to.include(e.title);
      for (const s of ['人民调解受理登记表', '调解笔录', '专家意见', '人民调解协议书', '回访计划', '回访记录', '案件流转记录']) {
        expect(t).to.include(s);
      }
      expect(t).to.include('立卷人 王调解');
      const sheets = doc.html.match(/<section class="page/g) ?? [];
      expect(sheets.length).to.be.greaterThan(8);
      expect(doc.html).to.match(/\.page\s*\{[^}]*break-before:\s*page/);
    });

    it('dossier lists documents issued before it with their hashes', () => {
      const f = fullCase();
      const earlier = render(f, 'agreement');
      const doc = prepareDocument(issueInput(f, 'dossier'), 'dossier', 1, [
        { id: 'd1', caseId: 'case-1', kind: 'agreement', version: 1, issuedAt: '2026-11-18T15:10:00+08:00', issuedBy: 'u-med1', ...earlier },
      ]);
      const t = text(doc.html);
      expect(t).to.include('已出具文书清单');
      expect(t).to.include(earlier.sha256);
    });
  });
});
