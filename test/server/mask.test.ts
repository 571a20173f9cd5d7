import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '../../server/log.ts';
import { maskAddress, maskedText, maskIdNumber, maskParty, maskPhone } from '../../server/privacy/mask.ts';

describe('masking personal data', () => {
  it('masks mobile numbers as 138****5678', () => {
    expect(maskPhone('13812345678')).to.equal('138****5678');
    expect(maskPhone('+86 138 1234 5678')).to.equal('138****5678');
    expect(maskPhone('021-62345678')).to.equal('021****5678');
  });

  it('masks ID numbers as 3101**********1234', () => {
    expect(maskIdNumber('310101199001011234')).to.equal('3101**********1234');
    expect(maskIdNumber('31010119900101123X')).to.equal('3101**********123X');
    expect(maskIdNumber('310101900101123')).to.equal('3101*******1123');
  });

  it('keeps the road of an address and hides the house number', () => {
    expect(maskAddress('示范区长宁路88弄3号1202室')).to.equal('示范区长宁路****');
    expect(maskAddress('华阳花园12号楼501')).to.equal('华阳花园****');
    expect(maskAddress('幸福小区')).to.equal('幸福****');
    expect(maskAddress('上海市示范区长宁街道华阳路一百号')).not.to.include('一百号');
  });

  it('masks a party, leaving its name and role', () => {
    const party = { id: 'p1', role: 'applicant' as const, kind: 'person' as const, name: '张三', phone: '13812345678', idNumber: '310101199001011234', address: '长宁路88弄3号' };
    expect(maskParty(party)).to.deep.equal({ ...party, phone: '138****5678', idNumber: '3101**********1234', address: '长宁路****' });
    expect(party.phone).to.equal('13812345678'); // the original is untouched
    expect(maskParty({ id: 'p2', name: '某物业公司' })).to.deep.equal({ id: 'p2', name: '某物业公司' });
  });

  it('masks phone and ID numbers inside free text', () => {
    expect(maskedText('业主张三（电话13812345678，身份证310101199001011234）称楼上漏水')).to.equal(
      '业主张三（电话138****5678，身份证3101**********1234）称楼上漏水',
    );
    expect(maskedText('call 138-1234-5678 or 021-62345678')).to.equal('call 138****5678 or 021****5678');
    expect(maskedText('案号（2026）示范物调字第00012号，金额100000元')).to.equal('案号（2026）示范物调字第00012号，金额100000元');
    expect(maskedText('timestamp 1795439081752')).to.equal('timestamp 1795439081752');
  });

  it('keeps full phone and ID numbers, passwords and tokens out of log lines', () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk, _e, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    });
    logger.info({ party: { name: '张三', phone: '13812345678', idNumber: '310101199001011234', address: '长宁路88弄3号' } }, 'intake');
    logger.info({ case: { parties: [{ phone: '13912345678' }] }, password: 'hunter2-hunter2', token: 'tok-abc' }, 'x');
    logger.info({ req: { headers: { authorization: 'Bearer tok-abc', cookie: 'wuye_session=tok-abc', 'x-access-code': '123456' } } }, 'headers');
    logger.warn('caller 13712345678 asked about 310101199001011234');
    logger.error({ err: new Error('party 13612345678 not found') }, 'failed');
    const out = lines.join('');
    expect(out.match(/(?<!\d)1[3-9]\d{9}(?!\d)/g)).to.equal(null);
    expect(out).not.to.include('310101199001011234');
    expect(out).not.to.include('hunter2');
    expect(out).not.to.include('tok-abc');
    expect(out).not.to.include('123456');
    expect(out).to.include('138****5678');
    expect(out).to.include('3101**********1234');
    expect(out).to.include('137****5678');
    expect(out).to.include('"address":"长宁路****"');
  });
});
