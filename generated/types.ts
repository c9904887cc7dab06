// bootstrap stub: replaced by `npm run generate`
export type Operation =
  | 'CreateBucket'
  | 'PutObject'
  | 'PostObject'
  | 'GetObject'
  | 'HeadObject'
  | 'CopyObject'
  | 'InitiateMultipartUpload'
  | 'UploadPart'
  | 'UploadPartCopy'
  | 'CompleteMultipartUpload'
  | 'AppendObject';
