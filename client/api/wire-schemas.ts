// Generated from the zod schemas of scheduler/api by client/api/wire-schemas.test.ts; do not edit.
// Regenerate: UPDATE_WIRE_SCHEMAS=1 npx vitest run client/api/wire-schemas.test.ts
import type { JsonSchema } from './json-shape.js';

export type WireName = 'ScheduledTask' | 'JobSummary' | 'CreateJobResponse' | 'ListJobsResponse' | 'ListTasksResponse' | 'KillJobResponse' | 'PruneTasksResponse' | 'ApiErrorBody' | 'HealthResponse' | 'GetQuotaResponse';

export const WIRE_SCHEMAS: Readonly<Record<WireName, JsonSchema>> = {
  "ScheduledTask": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "taskId": {
        "type": "string"
      },
      "jobKey": {
        "type": "object",
        "properties": {
          "cluster": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[\\w\\-.]+$",
            "not": {
              "enum": [
                ".",
                ".."
              ]
            }
          },
          "role": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[\\w\\-.]+$",
            "not": {
              "enum": [
                ".",
                ".."
              ]
            }
          },
          "environment": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[\\w\\-.]+$",
            "not": {
              "enum": [
                ".",
                ".."
              ]
            }
          },
          "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[\\w\\-.]+$",
            "not": {
              "enum": [
                ".",
                ".."
              ]
            }
          }
        },
        "required": [
          "cluster",
          "role",
          "environment",
          "name"
        ],
        "additionalProperties": false
      },
      "instance": {
        "type": "integer",
        "minimum": 0,
        "maximum": 9007199254740991
      },
      "state": {
        "type": "string",
        "enum": [
          "PENDING",
          "THROTTLED",
          "ASSIGNED",
          "STARTING",
          "RUNNING",
          "KILLING",
          "RESTARTING",
          "PREEMPTING",
          "DRAINING",
          "PARTITIONED",
          "FINISHED",
          "FAILED",
          "KILLED",
          "LOST"
        ]
      },
      "specHash": {
        "type": "string"
      },
      "agentId": {
        "type": [
          "string",
          "null"
        ]
      },
      "host": {
        "type": [
          "string",
          "null"
        ]
      },
      "observerUrl": {
        "type": [
          "string",
          "null"
        ]
      },
      "ports": {
        "type": "object",
        "propertyNames": {
          "type": "string"
        },
        "additionalProperties": {
          "type": "integer",
          "minimum": -9007199254740991,
          "maximum": 9007199254740991
        }
      },
      "health": {
        "type": "string",
        "enum": [
          "HEALTHY",
          "UNHEALTHY",
          "UNKNOWN"
        ]
      },
      "failureCount": {
        "type": "integer",
        "minimum": 0,
        "maximum": 9007199254740991
      },
      "pendingReason": {
        "type": [
          "string",
          "null"
        ]
      },
      "throttle": {
        "anyOf": [
          {
            "type": "object",
            "properties": {
              "penaltyMs": {
                "type": "integer",
                "minimum": 0,
                "maximum": 9007199254740991
              },
              "until": {
                "type": "number"
              }
            },
            "required": [
              "penaltyMs",
              "until"
            ],
            "additionalProperties": false
          },
          {
            "type": "null"
          }
        ]
      },
      "events": {
        "type": "array",
        "items": {
          "type": "object",
          "properties": {
            "state": {
              "type": "string",
              "enum": [
                "PENDING",
                "THROTTLED",
                "ASSIGNED",
                "STARTING",
                "RUNNING",
                "KILLING",
                "RESTARTING",
                "PREEMPTING",
                "DRAINING",
                "PARTITIONED",
                "FINISHED",
                "FAILED",
                "KILLED",
                "LOST"
              ]
            },
            "at": {
              "type": "number"
            },
            "message": {
              "type": [
                "string",
                "null"
              ]
            }
          },
          "required": [
            "state",
            "at",
            "message"
          ],
          "additionalProperties": false
        }
      }
    },
    "required": [
      "taskId",
      "jobKey",
      "instance",
      "state",
      "specHash",
      "agentId",
      "host",
      "observerUrl",
      "ports",
      "health",
      "failureCount",
      "pendingReason",
      "events"
    ],
    "additionalProperties": false
  },
  "JobSummary": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "key": {
        "type": "object",
        "properties": {
          "cluster": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[\\w\\-.]+$",
            "not": {
              "enum": [
                ".",
                ".."
              ]
            }
          },
          "role": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[\\w\\-.]+$",
            "not": {
              "enum": [
                ".",
                ".."
              ]
            }
          },
          "environment": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[\\w\\-.]+$",
            "not": {
              "enum": [
                ".",
                ".."
              ]
            }
          },
          "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
            "pattern": "^[\\w\\-.]+$",
            "not": {
              "enum": [
                ".",
                ".."
              ]
            }
          }
        },
        "required": [
          "cluster",
          "role",
          "environment",
          "name"
        ],
        "additionalProperties": false
      },
      "instances": {
        "type": "integer",
        "minimum": -9007199254740991,
        "maximum": 9007199254740991
      },
      "service": {
        "type": "boolean"
      },
      "cronSchedule": {
        "type": [
          "string",
          "null"
        ]
      },
      "specHash": {
        "type": "string"
      },
      "createdAt": {
        "type": "number"
      },
      "version": {
        "type": "integer",
        "minimum": -9007199254740991,
        "maximum": 9007199254740991
      },
      "taskCounts": {
        "type": "object",
        "propertyNames": {
          "type": "string",
          "enum": [
            "PENDING",
            "THROTTLED",
            "ASSIGNED",
            "STARTING",
            "RUNNING",
            "KILLING",
            "RESTARTING",
            "PREEMPTING",
            "DRAINING",
            "PARTITIONED",
            "FINISHED",
            "FAILED",
            "KILLED",
            "LOST"
          ]
        },
        "additionalProperties": {
          "type": "integer",
          "minimum": -9007199254740991,
          "maximum": 9007199254740991
        }
      }
    },
    "required": [
      "key",
      "instances",
      "service",
      "cronSchedule",
      "specHash",
      "createdAt",
      "version",
      "taskCounts"
    ],
    "additionalProperties": false
  },
  "CreateJobResponse": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "job": {
        "type": "object",
        "properties": {
          "key": {
            "type": "object",
            "properties": {
              "cluster": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[\\w\\-.]+$",
                "not": {
                  "enum": [
                    ".",
                    ".."
                  ]
                }
              },
              "role": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[\\w\\-.]+$",
                "not": {
                  "enum": [
                    ".",
                    ".."
                  ]
                }
              },
              "environment": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[\\w\\-.]+$",
                "not": {
                  "enum": [
                    ".",
                    ".."
                  ]
                }
              },
              "name": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[\\w\\-.]+$",
                "not": {
                  "enum": [
                    ".",
                    ".."
                  ]
                }
              }
            },
            "required": [
              "cluster",
              "role",
              "environment",
              "name"
            ],
            "additionalProperties": false
          },
          "instances": {
            "type": "integer",
            "minimum": -9007199254740991,
            "maximum": 9007199254740991
          },
          "service": {
            "type": "boolean"
          },
          "cronSchedule": {
            "type": [
              "string",
              "null"
            ]
          },
          "specHash": {
            "type": "string"
          },
          "createdAt": {
            "type": "number"
          },
          "version": {
            "type": "integer",
            "minimum": -9007199254740991,
            "maximum": 9007199254740991
          },
          "taskCounts": {
            "type": "object",
            "propertyNames": {
              "type": "string",
              "enum": [
                "PENDING",
                "THROTTLED",
                "ASSIGNED",
                "STARTING",
                "RUNNING",
                "KILLING",
                "RESTARTING",
                "PREEMPTING",
                "DRAINING",
                "PARTITIONED",
                "FINISHED",
                "FAILED",
                "KILLED",
                "LOST"
              ]
            },
            "additionalProperties": {
              "type": "integer",
              "minimum": -9007199254740991,
              "maximum": 9007199254740991
            }
          }
        },
        "required": [
          "key",
          "instances",
          "service",
          "cronSchedule",
          "specHash",
          "createdAt",
          "version",
          "taskCounts"
        ],
        "additionalProperties": false
      },
      "taskIds": {
        "type": "array",
        "items": {
          "type": "string"
        }
      }
    },
    "required": [
      "job",
      "taskIds"
    ],
    "additionalProperties": false
  },
  "ListJobsResponse": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "jobs": {
        "type": "array",
        "items": {
          "type": "object",
          "properties": {
            "key": {
              "type": "object",
              "properties": {
                "cluster": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                },
                "role": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                },
                "environment": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                },
                "name": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                }
              },
              "required": [
                "cluster",
                "role",
                "environment",
                "name"
              ],
              "additionalProperties": false
            },
            "instances": {
              "type": "integer",
              "minimum": -9007199254740991,
              "maximum": 9007199254740991
            },
            "service": {
              "type": "boolean"
            },
            "cronSchedule": {
              "type": [
                "string",
                "null"
              ]
            },
            "specHash": {
              "type": "string"
            },
            "createdAt": {
              "type": "number"
            },
            "version": {
              "type": "integer",
              "minimum": -9007199254740991,
              "maximum": 9007199254740991
            },
            "taskCounts": {
              "type": "object",
              "propertyNames": {
                "type": "string",
                "enum": [
                  "PENDING",
                  "THROTTLED",
                  "ASSIGNED",
                  "STARTING",
                  "RUNNING",
                  "KILLING",
                  "RESTARTING",
                  "PREEMPTING",
                  "DRAINING",
                  "PARTITIONED",
                  "FINISHED",
                  "FAILED",
                  "KILLED",
                  "LOST"
                ]
              },
              "additionalProperties": {
                "type": "integer",
                "minimum": -9007199254740991,
                "maximum": 9007199254740991
              }
            }
          },
          "required": [
            "key",
            "instances",
            "service",
            "cronSchedule",
            "specHash",
            "createdAt",
            "version",
            "taskCounts"
          ],
          "additionalProperties": false
        }
      }
    },
    "required": [
      "jobs"
    ],
    "additionalProperties": false
  },
  "ListTasksResponse": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "tasks": {
        "type": "array",
        "items": {
          "type": "object",
          "properties": {
            "taskId": {
              "type": "string"
            },
            "jobKey": {
              "type": "object",
              "properties": {
                "cluster": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                },
                "role": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                },
                "environment": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                },
                "name": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 255,
                  "pattern": "^[\\w\\-.]+$",
                  "not": {
                    "enum": [
                      ".",
                      ".."
                    ]
                  }
                }
              },
              "required": [
                "cluster",
                "role",
                "environment",
                "name"
              ],
              "additionalProperties": false
            },
            "instance": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9007199254740991
            },
            "state": {
              "type": "string",
              "enum": [
                "PENDING",
                "THROTTLED",
                "ASSIGNED",
                "STARTING",
                "RUNNING",
                "KILLING",
                "RESTARTING",
                "PREEMPTING",
                "DRAINING",
                "PARTITIONED",
                "FINISHED",
                "FAILED",
                "KILLED",
                "LOST"
              ]
            },
            "specHash": {
              "type": "string"
            },
            "agentId": {
              "type": [
                "string",
                "null"
              ]
            },
            "host": {
              "type": [
                "string",
                "null"
              ]
            },
            "observerUrl": {
              "type": [
                "string",
                "null"
              ]
            },
            "ports": {
              "type": "object",
              "propertyNames": {
                "type": "string"
              },
              "additionalProperties": {
                "type": "integer",
                "minimum": -9007199254740991,
                "maximum": 9007199254740991
              }
            },
            "health": {
              "type": "string",
              "enum": [
                "HEALTHY",
                "UNHEALTHY",
                "UNKNOWN"
              ]
            },
            "failureCount": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9007199254740991
            },
            "pendingReason": {
              "type": [
                "string",
                "null"
              ]
            },
            "throttle": {
              "anyOf": [
                {
                  "type": "object",
                  "properties": {
                    "penaltyMs": {
                      "type": "integer",
                      "minimum": 0,
                      "maximum": 9007199254740991
                    },
                    "until": {
                      "type": "number"
                    }
                  },
                  "required": [
                    "penaltyMs",
                    "until"
                  ],
                  "additionalProperties": false
                },
                {
                  "type": "null"
                }
              ]
            },
            "events": {
              "type": "array",
              "items": {
                "type": "object",
                "properties": {
                  "state": {
                    "type": "string",
                    "enum": [
                      "PENDING",
                      "THROTTLED",
                      "ASSIGNED",
                      "STARTING",
                      "RUNNING",
                      "KILLING",
                      "RESTARTING",
                      "PREEMPTING",
                      "DRAINING",
                      "PARTITIONED",
                      "FINISHED",
                      "FAILED",
                      "KILLED",
                      "LOST"
                    ]
                  },
                  "at": {
                    "type": "number"
                  },
                  "message": {
                    "type": [
                      "string",
                      "null"
                    ]
                  }
                },
                "required": [
                  "state",
                  "at",
                  "message"
                ],
                "additionalProperties": false
              }
            }
          },
          "required": [
            "taskId",
            "jobKey",
            "instance",
            "state",
            "specHash",
            "agentId",
            "host",
            "observerUrl",
            "ports",
            "health",
            "failureCount",
            "pendingReason",
            "events"
          ],
          "additionalProperties": false
        }
      },
      "total": {
        "type": "integer",
        "minimum": 0,
        "maximum": 9007199254740991
      }
    },
    "required": [
      "tasks",
      "total"
    ],
    "additionalProperties": false
  },
  "KillJobResponse": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "killed": {
        "type": "array",
        "items": {
          "type": "string"
        }
      },
      "jobRemoved": {
        "type": "boolean"
      }
    },
    "required": [
      "killed",
      "jobRemoved"
    ],
    "additionalProperties": false
  },
  "PruneTasksResponse": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "pruned": {
        "type": "integer",
        "minimum": 0,
        "maximum": 9007199254740991
      },
      "taskIds": {
        "type": "array",
        "items": {
          "type": "string"
        }
      }
    },
    "required": [
      "pruned",
      "taskIds"
    ],
    "additionalProperties": false
  },
  "ApiErrorBody": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "error": {
        "type": "object",
        "properties": {
          "code": {
            "type": "string"
          },
          "message": {
            "type": "string"
          },
          "details": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "path": {
                  "type": "string"
                },
                "message": {
                  "type": "string"
                }
              },
              "required": [
                "path",
                "message"
              ],
              "additionalProperties": false
            }
          }
        },
        "required": [
          "code",
          "message"
        ],
        "additionalProperties": false
      }
    },
    "required": [
      "error"
    ],
    "additionalProperties": false
  },
  "HealthResponse": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "status": {
        "type": "string",
        "const": "OK"
      },
      "cluster": {
        "type": "string"
      },
      "version": {
        "type": "string"
      }
    },
    "required": [
      "status",
      "cluster",
      "version"
    ],
    "additionalProperties": false
  },
  "GetQuotaResponse": {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
      "role": {
        "type": "string"
      },
      "quota": {
        "type": "object",
        "properties": {
          "cpu": {
            "type": "number",
            "minimum": 0
          },
          "ramMb": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          },
          "diskMb": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          },
          "gpu": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          }
        },
        "required": [
          "cpu",
          "ramMb",
          "diskMb",
          "gpu"
        ],
        "additionalProperties": false
      },
      "prodUse": {
        "type": "object",
        "properties": {
          "cpu": {
            "type": "number",
            "minimum": 0
          },
          "ramMb": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          },
          "diskMb": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          },
          "gpu": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          }
        },
        "required": [
          "cpu",
          "ramMb",
          "diskMb",
          "gpu"
        ],
        "additionalProperties": false
      },
      "nonProdUse": {
        "type": "object",
        "properties": {
          "cpu": {
            "type": "number",
            "minimum": 0
          },
          "ramMb": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          },
          "diskMb": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          },
          "gpu": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9007199254740991
          }
        },
        "required": [
          "cpu",
          "ramMb",
          "diskMb",
          "gpu"
        ],
        "additionalProperties": false
      }
    },
    "required": [
      "role",
      "quota",
      "prodUse",
      "nonProdUse"
    ],
    "additionalProperties": false
  }
};
