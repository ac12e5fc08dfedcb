//! The `Chat` shape as a user would write it by hand with serde: the same
//! fields, `Option` for everything optional, strings for enums and timestamps.
//! The baseline the generated models are measured against.

#![allow(missing_docs)] // A mirror of the spec's fields; see openapi.yaml for meaning.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

type Obj = Map<String, Value>;

macro_rules! model {
    ($name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            $(
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }
    };
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Chat {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<ChatMember>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<ChatFeatures>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<ChatState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<ChatMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<Referral>,
}

model!(ChatMember {
    id: String,
    role: String,
    user: MemberUser,
    session: MemberSession,
    contact_channel: ContactChannel
});
model!(MemberUser {
    id: String,
    name: String,
    avatar: String
});
model!(MemberSession { id: String });
model!(ContactChannel {
    id: String,
    r#type: String,
    user_id: String,
    avatar: String,
    name: String,
    username: String,
    email: String,
    phone: String,
    country: String,
    agent: String,
    ip: String,
    language: String,
    contact: Contact,
    link: String,
});
model!(Contact {
    id: String,
    name: String,
    blocked: bool,
    ai_replies_disabled: bool,
    is_admin: bool
});
model!(Tool {
    name: String, display_name: String, action_name: String, description: String, icon_url: String,
    icon: String, connection_id: String, parameters: Obj, input: Obj, definitions: Vec<ToolDefinition>,
    enabled_by_default: bool, enabled: bool, callback: String, validation: String,
});
model!(ToolDefinition {
    path: String,
    definition: Obj
});
model!(ChatFeatures {
    web_search: Obj,
    reasoning: Obj,
    auto_discover: bool,
    web: bool,
    image_generation: bool,
    workbench: WorkbenchFeature,
});
model!(WorkbenchFeature { enabled: bool });
model!(ChatState {
    id: String,
    state: String,
    integration_id: String,
    assistant_id: String,
    assistant_integration_id: String,
    conversation_id: String,
    ai_enabled: bool,
    admin_unseen_count: i64,
    user_unseen_count: i64,
    assistant: Assistant,
    assistant_integration: AssistantIntegration,
    assigned_user: AssignedUser,
    assigned_at: String,
    assistant_config: AssistantConfig,
    follow_up_at: String,
    muted_until: String,
    csat_score: u8,
    last_contact_message_at: String,
});
model!(Assistant {
    id: String,
    name: String,
    enabled: bool,
    avatar_url: String,
    deleted: bool,
    config: AssistantConfig
});
model!(AssistantIntegration {
    id: String,
    enabled: bool,
    has_connection: bool
});
model!(AssignedUser {
    id: String,
    name: String,
    email: String,
    avatar: String,
    seen_at: String
});
model!(AssistantConfig {
    model: String,
    language: String,
    knowledge_scope: String,
    stt: SpeechToText,
    tts: TextToSpeech,
    conversation: ConversationConfig,
    timezone: String,
    instructions: String,
});
model!(SpeechToText { model: String });
model!(TextToSpeech {
    model: String,
    voice_id: String
});
model!(ConversationConfig {
    thread_mode: String, enable_memories: bool, enable_transfer_to_human_tool: bool,
    welcome_banner: String, suggested_messages: Vec<String>, auto_intro_message: String,
    enable_end_conversation_tool: bool, enable_block_contact_tool: bool, enable_ai_replies: bool,
    enable_auto_resolve: bool, enable_auto_follow_ups: bool, follow_up_instructions: String,
    enable_auto_csat: bool, enable_private_chats: bool, enable_update_contact_tool: bool,
});
model!(ChatMessage {
    id: String, model: String, created_at: String, updated_at: String, messages: Vec<Message>,
    tools: Vec<Tool>, features: ChatFeatures, member: ChatMember, error: String,
    broadcast_id: String, is_broadcast_message: bool, usage: Usage,
});
model!(Message { role: String, parts: Vec<MessagePart> });
model!(MessagePart {
    r#type: String,
    text: String,
    url: String,
    audio: File,
    file: File,
    auto_consume: bool,
    start_timestamp: i64,
    end_timestamp: i64,
});
model!(File {
    id: String,
    file_path: String,
    file_filename: String,
    file_size: i64,
    file_mimetype: String,
    file_url: String,
    created_at: String,
});
model!(Usage {
    input_tokens: i64, output_tokens: i64, total_tokens: i64, reasoning_tokens: i64,
    input_tokens_cache_read: i64, input_tokens_cache_write: i64, turns: Vec<UsageTurn>,
});
model!(UsageTurn {
    input_tokens: i64,
    output_tokens: i64,
    total_tokens: i64,
    reasoning_tokens: i64,
    input_tokens_cache_read: i64,
    input_tokens_cache_write: i64,
});
model!(Referral {
    r#type: String, parts: Vec<MessagePart>, r#ref: String, ad_id: String, source: String,
    referer_uri: String, ads_context_data: AdsContextData,
});
model!(AdsContextData {
    ad_title: String,
    photo_url: String,
    video_url: String,
    post_id: String,
    product_id: String
});

// The request bodies. A hand-written struct that skips `None` cannot send an
// explicit `null` (to clear `follow_up_at`); the benches never need to.
model!(UpdateChatStateRequest {
    ai_enabled: bool,
    assistant_config: AssistantConfig,
    csat_score: u8,
    follow_up_at: String,
    muted_until: String,
    state: String,
});

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ForkChatRequest {
    pub message_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::Chat;

    /// The baseline must read the same payloads losslessly, or the comparison is unfair.
    #[test]
    fn the_baseline_round_trips_both_seeds() {
        for (name, payload) in crate::seed_payloads() {
            let value: serde_json::Value = serde_json::from_str(&payload).expect("json");
            let chat: Chat = serde_json::from_str(&payload).expect(name);
            assert_eq!(
                serde_json::to_value(&chat).expect("encodes"),
                value,
                "{name}"
            );
        }
    }
}
