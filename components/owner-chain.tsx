'use client';
/** Pod → ReplicaSet → Deployment: each owner links to its own page; owners not watched show as text. */
import Link from 'next/link';
import { groupOfApiVersion, objectHref } from '@/lib/client/object-id';
import { useObjectDetail } from './drift-data';

interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  controller?: boolean;
}

export function ownerRefsOf(obj: Record<string, unknown> | undefined): OwnerReference[] {
  const meta = obj?.metadata as { ownerReferences?: OwnerReference[] } | undefined;
  const refs = Array.isArray(meta?.ownerReferences) ? meta.ownerReferences : [];
  return [...refs].sort((a, b) => Number(Boolean(b.controller)) - Number(Boolean(a.controller)));
}

function OwnerStep({ cluster, namespace, owner, depth }: { cluster: string; namespace: string; owner: OwnerReference; depth: number }) {
  const id = `${cluster}/${groupOfApiVersion(owner.apiVersion)}/${owner.kind}/${namespace}/${owner.name}`;
  const detail = useObjectDetail(id);
  const parent = depth < 6 ? ownerRefsOf(detail.data?.live?.object)[0] : undefined;
  return (
    <>
      {parent && <OwnerStep cluster={cluster} namespace={namespace} owner={parent} depth={depth + 1} />}
      <li className="crumb">
        {detail.isError ? (
          <span title="Not watched by the dashboard">
            {owner.kind} <span className="muted">{owner.name}</span>
          </span>
        ) : (
          <Link href={objectHref(id)} data-testid="owner-link">
            {owner.kind} <span className="crumb-name">{owner.name}</span>
          </Link>
        )}
      </li>
    </>
  );
}

export function OwnerChain({ cluster, namespace, live, self }: { cluster: string; namespace: string; live: Record<string, unknown> | undefined; self: string }) {
  const owner = ownerRefsOf(live)[0];
  if (!owner) return null;
  return (
    <nav aria-label="Owner chain" className="owner-chain" data-testid="owner-chain">
      <ol className="crumbs">
        <OwnerStep cluster={cluster} namespace={namespace} owner={owner} depth={0} />
        <li className="crumb" aria-current="page">
          {self}
        </li>
      </ol>
    </nav>
  );
}
