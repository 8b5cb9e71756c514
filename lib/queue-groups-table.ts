import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { tableDefinition } from '../functions/store/table-definition.js';

export interface QueueGroupsTableProps {
  /** @default RemovalPolicy.RETAIN: configuration and voicemails outlive a stack deletion. */
  readonly removalPolicy?: RemovalPolicy;
}

/** The one table (functions/store/keys.ts documents its design); the local stack creates the same. */
export class QueueGroupsTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: QueueGroupsTableProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: tableDefinition.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableDefinition.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: tableDefinition.timeToLiveAttribute,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
