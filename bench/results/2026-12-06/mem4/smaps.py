import sys,re,collections
pid=sys.argv[1]
agg=collections.Counter(); cur=None
for line in open('/proc/%s/smaps'%pid):
    if re.match(r'^[0-9a-f]+-[0-9a-f]+ ',line):
        parts=line.split()
        name=parts[5] if len(parts)>5 else '[anon]'
        cur=name
    elif line.startswith('Rss:'):
        agg[cur]+=int(line.split()[1])
tot=sum(agg.values())
print('total', tot//1024, 'MiB')
for k,v in agg.most_common(15): print('%8d KiB %s'%(v,k))
